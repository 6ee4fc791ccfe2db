// Upload with a progress bar: the form posts to /api/ingest through XHR and the
// per-file results are built with textContent (never innerHTML: names and
// titles come from the uploaded files). Without JavaScript the form still
// posts to /ingest and the server answers with a page.
"use strict";
(function () {
  const form = document.getElementById("upload");
  if (!form) return;
  const bar = document.getElementById("progress");
  const status = document.getElementById("status");
  const results = document.getElementById("results");

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function link(href, text) {
    const a = el("a", text);
    a.href = href;
    return a;
  }

  function articleItem(prefix, a) {
    const li = el("li", prefix);
    li.appendChild(link("/articles/" + encodeURIComponent(a.id), a.title || a.id));
    if (a.story_id) {
      li.appendChild(document.createTextNode(" · "));
      li.appendChild(link("/stories/" + encodeURIComponent(a.story_id), "story"));
    }
    return li;
  }

  function show(data) {
    results.replaceChildren();
    results.appendChild(el("p", data.added + " added, " + data.known + " already stored, " +
      data.errors + " error" + (data.errors === 1 ? "" : "s") + ".", "meta"));
    const list = el("ul", undefined, "files");
    for (const f of data.files) {
      const item = el("li", undefined, f.errors.length ? "failed" : "ok");
      item.appendChild(el("strong", f.name));
      if (f.note) item.appendChild(document.createTextNode(" — " + f.note));
      const inner = el("ul");
      for (const a of f.added) inner.appendChild(articleItem("added: ", a));
      for (const a of f.known) inner.appendChild(articleItem("already stored: ", a));
      for (const e of f.errors) inner.appendChild(el("li", e, "error"));
      item.appendChild(inner);
      list.appendChild(item);
    }
    results.appendChild(list);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/ingest");
    xhr.responseType = "json";
    bar.hidden = false;
    bar.value = 0;
    status.textContent = "Uploading…";
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total);
      if (e.loaded === e.total) status.textContent = "Reading articles and placing them into stories…";
    });
    xhr.addEventListener("load", function () {
      bar.value = 100;
      const data = xhr.response;
      if (data && data.files) {
        status.textContent = xhr.status === 200 ? "Done." : "Nothing could be read.";
        show(data);
      } else {
        const detail = data && data.detail ? data.detail : xhr.statusText;
        status.textContent = "Upload refused (" + xhr.status + "): " + (Array.isArray(detail) ? detail.join("; ") : detail);
        results.replaceChildren();
      }
    });
    xhr.addEventListener("error", function () {
      status.textContent = "Upload failed: the server could not be reached.";
    });
    xhr.send(new FormData(form));
  });
})();
