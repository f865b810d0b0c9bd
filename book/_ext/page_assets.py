"""Include each script and stylesheet once per page.

Jupyter Book 1 registers the assets of sphinx-thebe and sphinx-togglebutton twice, so
every page declared `const THEBE_JS_URL` twice and the second declaration was a
JavaScript error in every reader's console (found by tests/test_browser.py). This drops
exact duplicates (same file, or same inline body, with the same attributes).
"""


def _key(asset):
    # the same inline script may come once with filename None and once with ''
    filename = getattr(asset, "filename", asset) or ""
    attributes = getattr(asset, "attributes", {})
    return str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items()))


def dedupe(app, pagename, templatename, context, doctree):
    for name in ("script_files", "css_files"):
        assets = context.get(name)
        if not assets:
            continue
        seen, unique = set(), []
        for asset in assets:
            if _key(asset) not in seen:
                seen.add(_key(asset))
                unique.append(asset)
        context[name] = unique


def setup(app):
    app.connect("html-page-context", dedupe, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
