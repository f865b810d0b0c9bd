"""What `fit` measured, and how the run ended."""
import math


class History:
    """What `fit` measured, one entry per finished epoch, and how the run ended.

    status: 'running', 'finished', 'diverged' or 'interrupted'; message says why a run
    did not simply finish, and what to do.
    """

    def __init__(self, device):
        self.device = device
        self.train_loss, self.train_acc, self.test_acc, self.examples_per_sec = [], [], [], []
        self.status, self.message = "running", ""

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

    def summary(self):
        if not self.train_loss:
            return f"no epoch finished ({self.status}) on {self.device}"
        parts = [f"loss {self.train_loss[-1]:.3g}"]
        if self.train_acc[-1] is not None:
            parts.append(f"train acc {self.train_acc[-1]:.3f}")
        if self.test_acc[-1] is not None:
            parts.append(f"test acc {self.test_acc[-1]:.3f}")
        speed = sum(self.examples_per_sec) / len(self.examples_per_sec)
        return ", ".join(parts) + f", {speed:,.0f} examples/sec on {self.device}"

    def __repr__(self):
        return f"History({len(self)} epochs, {self.status}: {self.summary()})"

    def stop_nonfinite(self, epoch, step, loss, lr):
        """Mark the run diverged because the loss became nan or inf."""
        self.status = "diverged"
        self.message = (
            f"Training diverged at epoch {epoch}, step {step}: the loss became "
            f"{'nan' if math.isnan(loss) else 'inf'}"
            + (f" with learning rate {lr:g}" if lr is not None else "")
            + ". Lower the learning rate (try a tenth of it) and re-initialise the model"
            f" (its weights are no longer finite). The {len(self)} finished epoch(s)"
            " are kept in the returned history.")
