// Turns the single-page book (Jupyter Book's singlehtml build) into a printable one.
// tools/build_pdf.py runs this in Chromium once MathJax has typeset the page, with the
// book's structure from _toc.yml: {root, parts: [{caption, chapters: [{doc, sections}]}],
// title, author, url, date}. Returns the documents it could not find (none, normally).
(book) => {
  const article = document.querySelector('article.bd-article');
  const missing = [];

  // Each document's content is the <section> right after its marker <span
  // id="document-NAME">; the root document (the intro) is the article's first section.
  // The marker moves into its section: a link to it then lands on the section's first
  // page, not at the foot of the page before the break.
  function documentSection(doc) {
    let marker = document.getElementById('document-' + doc);
    let section;
    if (doc === book.root) {
      section = article.querySelector('section');
      if (!marker) {
        marker = document.createElement('span');
        marker.id = 'document-' + doc;
      }
    } else {
      section = marker && marker.nextElementSibling;
    }
    if (!section || section.tagName !== 'SECTION') {
      missing.push(doc);
      return null;
    }
    section.prepend(marker);
    return section;
  }

  // Permalink signs and copy buttons would print, and would end up in the PDF outline.
  document.querySelectorAll('a.headerlink, button.copybtn').forEach((e) => e.remove());

  // Headings by place in the book, not by nesting: Sphinx nests every document inside the
  // intro, so chapters came out as h2 and sections as h3. Chromium builds the PDF outline
  // from h1-h6, so chapters (and the book pages beside them) become h1, sections h2.
  const docs = [];   // {doc, level, section, caption}
  for (const part of book.parts) {
    part.chapters.forEach((c, i) => {
      docs.push({doc: c.doc, level: 1, caption: i === 0 ? part.caption : null});
      for (const s of c.sections) docs.push({doc: s, level: 2});
    });
  }
  docs.unshift({doc: book.root, level: 1});
  for (const d of docs) {
    d.section = documentSection(d.doc);
    if (d.section) {
      d.section.dataset.pdfLevel = d.level;
      d.section.classList.add('pdf-document');
    }
  }
  const headings = [...article.querySelectorAll('h1, h2, h3, h4, h5, h6')];
  const newLevels = headings.map((h) => {
    const root = h.closest('[data-pdf-level]');
    if (!root) return null;
    const top = +root.querySelector('h1, h2, h3, h4, h5, h6').tagName[1];
    return Math.min(6, +h.tagName[1] - top + +root.dataset.pdfLevel);
  });
  headings.forEach((h, i) => {
    if (!newLevels[i]) return;
    const n = document.createElement('h' + newLevels[i]);
    for (const a of h.attributes) n.setAttribute(a.name, a.value);
    n.append(...h.childNodes);
    h.replaceWith(n);
  });

  // The intro is the book's preface here: the title page carries the book's title.
  const intro = docs[0].section && docs[0].section.querySelector('h1');
  if (intro) intro.textContent = 'Preface';

  // The landing page's link to this very PDF.
  document.querySelectorAll('.pdf-edition-link').forEach((e) => e.remove());

  // Solutions and other folded content, printed open.
  document.querySelectorAll('details').forEach((d) => { d.open = true; });
  document.querySelectorAll('.toggle-hidden').forEach((e) => e.classList.remove('toggle-hidden'));

  // The Colab badge is an image from another host: offline it cannot load, so it becomes
  // a text link, which still works in the PDF.
  document.querySelectorAll('a[href^="https://colab.research.google.com/"] > img')
    .forEach((img) => img.replaceWith('Open in Colab'));

  // An interactive widget (sliders, a Train button) needs a running kernel: on paper its
  // output is empty, so a line says where it works. Its static form, a figure drawn
  // during the build, is printed with the section.
  // One line per cell (a cell that also returns its widget shows it twice).
  const views = 'script[type="application/vnd.jupyter.widget-view+json"]';
  for (const output of new Set([...document.querySelectorAll(views)].map((s) => s.parentElement))) {
    const note = document.createElement('p');
    note.className = 'pdf-widget-note';
    note.textContent = 'An interactive widget is here in the notebook: open it in Jupyter or '
      + 'Colab to use the sliders.';
    output.querySelectorAll(views).forEach((s, i) => (i ? s.remove() : s.replaceWith(note)));
  }

  // Title page.
  const title = document.createElement('div');
  title.className = 'pdf-title-page';
  const line = (cls, text) => {
    const p = document.createElement('p');
    p.className = cls;
    p.textContent = text;
    title.append(p);
  };
  line('pdf-title', book.title);
  line('pdf-author', book.author);
  line('pdf-edition', `PDF edition, ${book.date}. The outputs, figures and numbers are those `
       + 'of the book\'s own build: every notebook run on a CPU with the quick budget.');
  line('pdf-url', `Online book and source: ${book.url}`);
  line('pdf-licence', 'Code: MIT licence. Text and figures: CC BY-SA 4.0.');

  // Contents: parts, chapters and sections, each a link; build_pdf.py fills in the page
  // numbers from a first print. Their slots have a fixed width, so filling them moves
  // nothing.
  const toc = document.createElement('nav');
  toc.className = 'pdf-toc';
  const heading = document.createElement('p');
  heading.className = 'pdf-toc-heading';
  heading.textContent = 'Contents';
  toc.append(heading);
  for (const d of docs) {
    if (!d.section) continue;
    if (d.caption) {
      const c = document.createElement('p');
      c.className = 'pdf-toc-part';
      c.textContent = d.caption;
      toc.append(c);
    }
    const h = d.section.querySelector('h1, h2');
    const a = document.createElement('a');
    a.className = 'pdf-toc-level' + d.level;
    a.href = '#document-' + d.doc;
    const text = document.createElement('span');
    text.className = 'pdf-toc-title';
    text.textContent = h.textContent.trim();
    const pageNo = document.createElement('span');
    pageNo.className = 'pdf-toc-page';
    pageNo.dataset.target = 'document-' + d.doc;
    a.append(text, pageNo);
    toc.append(a);
  }
  article.prepend(title, toc);
  document.title = book.title;
  return missing;
}
