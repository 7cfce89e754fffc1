"""The web page: the combined notebook as one self-contained HTML page, Markdown rendered, code behind a toggle."""

from __future__ import annotations

import copy
import re
from typing import Any

import nbformat

from mnist_sgd.stitch.tags import TITLE

TOGGLE = """
<style>
body.jp-Notebook { max-width: 1150px; margin: 0 auto; }
.jp-RenderedHTMLCommon table { font-size: 0.9em; }
.jp-RenderedHTMLCommon caption { caption-side: top; text-align: left; font-style: italic; padding-bottom: 0.3em; }
body.hide-code .jp-CodeCell:not(.celltag_show-code) .jp-Cell-inputWrapper { display: none; }
#code-toggle { position: fixed; top: 0.6em; right: 0.6em; z-index: 10; padding: 0.3em 0.8em;
  border: 1px solid #888; border-radius: 4px; background: #fff; cursor: pointer; font: 13px sans-serif; }
@media print { #code-toggle { display: none; } }
</style>
<button id="code-toggle" onclick="document.body.classList.toggle('hide-code');
  this.textContent = document.body.classList.contains('hide-code') ? 'Show code' : 'Hide code';">Show code</button>
<script>document.body.classList.add('hide-code');</script>
"""


# the cells of each grid job's section (their ids start ``run-detail-N--``) folded into one <details>
# under their task, its heading as the summary; a link to a section inside opens its fold
FOLD = """
<style>
details.run-detail { margin: 0.4em 0 0.4em 1em; border-left: 3px solid #ccd; padding-left: 0.6em; }
details.run-detail > summary { cursor: pointer; font: 600 1.05em sans-serif; padding: 0.3em 0; }
</style>
<script>
(function () {
  var folds = {};
  document.querySelectorAll('.jp-Cell[id^="cell-id=run-detail-"]').forEach(function (cell) {
    var group = cell.id.split('--')[0];
    var fold = folds[group];
    if (!fold) {
      fold = folds[group] = document.createElement('details');
      fold.className = 'run-detail';
      var summary = document.createElement('summary');
      var heading = cell.querySelector('h1, h2, h3, h4, h5, h6');
      summary.textContent = heading ? heading.textContent.replace('\u00b6', '').trim() : 'Detail';
      if (heading) { heading.style.display = 'none'; }
      fold.appendChild(summary);
      cell.parentNode.insertBefore(fold, cell);
    }
    fold.appendChild(cell);
  });
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target) { return; }
    for (var fold = target.closest('details'); fold; fold = fold.parentElement.closest('details')) { fold.open = true; }
    target.scrollIntoView();
  }
  window.addEventListener('hashchange', openTarget);
  openTarget();
})();
</script>
"""


SPLIT = "<!-- stitch: next text -->"  # kept as it is by pandoc, so the output splits back


def markdown_to_html(texts: list[str]) -> list[str]:
    """Markdown to HTML with MathML for the formulas, in one pandoc call for all texts.

    MathML is drawn by the browser itself, so the page needs no script from the
    network to show its mathematics."""
    import pypandoc

    if not texts:
        return []
    joined = f"\n\n{SPLIT}\n\n".join(texts)
    html = pypandoc.convert_text(joined, "html", format="markdown", extra_args=["--mathml", "--wrap=none"])
    parts = html.split(SPLIT)
    if len(parts) != len(texts):
        raise RuntimeError(f"pandoc returned {len(parts)} parts for {len(texts)} Markdown texts")
    return [part.strip() for part in parts]


def with_rendered_markdown(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy whose Markdown (cells and outputs) is already HTML."""
    nb = copy.deepcopy(nb)
    places: list[tuple[Any, str | None]] = []  # (setter, markdown)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            places.append((cell, None))
        for out in cell.get("outputs", []):
            if "text/markdown" in out.get("data", {}):
                places.append((out, "text/markdown"))
    texts = [p.source if key is None else p.data[key] for p, key in places]
    for (place, key), html in zip(places, markdown_to_html(texts)):
        if key is None:  # HTML blocks in Markdown pass through the exporter as they are
            place.source = html
        else:
            del place.data[key]
            place.data["text/html"] = html
    return nb


def to_html(nb: nbformat.NotebookNode) -> str:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", embed_images=True)
    html, _ = exporter.from_notebook_node(with_rendered_markdown(nb))
    html = re.sub(r"<title>.*?</title>", f"<title>{TITLE}</title>", html, count=1, flags=re.S)
    # the template's scripts (require.js, MathJax, mermaid) load from a CDN; the page needs
    # none of them (formulas are MathML) and must make no network request
    html = re.sub(r"<script\b[^>]*>.*?</script>", "", html, flags=re.S)
    return html.replace("</body>", TOGGLE + FOLD + "</body>", 1)
