"""What `fit` measured, and its rule for calling a run diverged."""
import json
import math
import os

# A run has diverged when its loss becomes nan or inf (fit stops there), or when an epoch's
# mean training loss exceeds EXPLOSION times the first batch's loss, i.e. the untrained
# model's: it has become far worse than doing nothing. It stays diverged if the loss falls
# back later. In the book: softmax regression at lr = 10 (section 4.5) stays at 15-65x and an
# MLP at lr = 1 (section 5.3) at about 1x, both "finished"; linear regression at lr = 1 with
# batch size 100 (section 3.4) grows tenfold an epoch and is diverged from epoch 4, and at
# lr = 0.3 with batch size 1 it reaches 1e13 before falling back to about 200: diverged.
# lr = 1e6 reaches millions of times. (With batch size 1 the first batch is one example.)
EXPLOSION = 100


class History:
    """What `fit` measured, one entry per finished epoch, and how the run ended.

    status: 'running', 'finished', 'diverged' or 'interrupted'; message says why a run
    did not simply finish, and what to do. `record()` is the run as a dict: fit appends it,
    as one line of JSON, to the file named by D2L_HISTORY_LOG if that is set
    (tools/run_book.py reads the file).
    """

    def __init__(self, device):
        self.device = device
        self.train_loss, self.train_acc, self.test_acc, self.examples_per_sec = [], [], [], []
        self.status, self.message = "running", ""
        self.diverged_in = None   # the epoch (from 1) in which the run was called diverged

    def __len__(self):
        return len(self.train_loss)

    def add_epoch(self, train_loss, train_acc, test_acc, examples_per_sec):
        self.train_loss.append(train_loss)
        self.train_acc.append(train_acc)
        self.test_acc.append(test_acc)
        self.examples_per_sec.append(examples_per_sec)

    def end(self, status, message=""):
        """Record how the run ended; a diverged run stays diverged, and keeps its message."""
        if self.status == "running":
            self.status = status
        self.message = " ".join(m for m in (self.message, message) if m)

    @property
    def mean_examples_per_sec(self):
        """The mean speed over the finished epochs (None before the first)."""
        speeds = self.examples_per_sec
        return sum(speeds) / len(speeds) if speeds else None

    def summary(self):
        if not self.train_loss:
            return f"no epoch finished ({self.status}) on {self.device}"
        parts = [f"loss {self.train_loss[-1]:.3g}"]
        if self.train_acc[-1] is not None:
            parts.append(f"train acc {self.train_acc[-1]:.3f}")
        if self.test_acc[-1] is not None:
            parts.append(f"test acc {self.test_acc[-1]:.3f}")
        line = ", ".join(parts) + f", {self.mean_examples_per_sec:,.0f} examples/sec on {self.device}"
        return "diverged: " + line if self.status == "diverged" else line

    def record(self):
        """The run as a dict of plain values: its last epoch, mean speed, status, message and
        summary line."""
        def last(values):
            return values[-1] if values else None
        return dict(status=self.status, epochs=len(self), train_loss=last(self.train_loss),
                    train_acc=last(self.train_acc), test_acc=last(self.test_acc),
                    examples_per_sec=self.mean_examples_per_sec, device=str(self.device),
                    diverged_in=self.diverged_in,
                    message=self.message, summary=self.summary())

    def log(self):
        """Append record() to the file D2L_HISTORY_LOG names, if any."""
        path = os.environ.get("D2L_HISTORY_LOG")
        if path:
            with open(path, "a") as f:
                f.write(json.dumps(self.record()) + "\n")

    def __repr__(self):
        return f"History({len(self)} epochs, {self.status}: {self.summary()})"

    def check_explosion(self, first_loss, lr):
        """Mark the run diverged if the last epoch's loss exceeds EXPLOSION times
        `first_loss` (a positive loss of the first batch). Training goes on: the weights
        are still finite, and the curve shows whether the run comes back; it stays
        diverged anyway, since it became far worse than the untrained model."""
        loss = self.train_loss[-1]
        if self.status != "running" or not first_loss > 0 or not loss > EXPLOSION * first_loss:
            return
        self.status, self.diverged_in = "diverged", len(self)
        self.message = (
            f"Training diverged in epoch {len(self)}: its loss {loss:.3g} is "
            f"{loss / first_loss:,.0f} times the first batch's ({first_loss:.3g})"
            + (f" with learning rate {lr:g}" if lr is not None else "")
            + f". fit calls a run diverged once an epoch's loss exceeds {EXPLOSION} times "
            "its first batch's; training went on, and every epoch is kept in the history. "
            "Lower the learning rate (try a tenth of it).")

    def stop_nonfinite(self, epoch, step, loss, lr):
        """Mark the run diverged because the loss became nan or inf (fit stops in that epoch)."""
        self.status, self.diverged_in = "diverged", epoch
        self.message = (
            f"Training diverged at epoch {epoch}, step {step}: the loss became "
            f"{'nan' if math.isnan(loss) else 'inf'}"
            + (f" with learning rate {lr:g}" if lr is not None else "")
            + ". Lower the learning rate (try a tenth of it) and re-initialise the model"
            f" (its weights are no longer finite). The {len(self)} finished epoch(s)"
            " are kept in the returned history.")
