// The live stories list: every few seconds (data-poll-seconds) the page asks
// /api/stories/version whether the list changed; when it did, the page itself is fetched
// again (the same filters and page) and its #story-list replaces this one. The new list
// comes from the server's templates (escaped there) and is parsed inert by DOMParser:
// nothing from an article is inserted as markup here. Rows of new stories and of stories
// that grew are marked until the next change. Polling pauses while the tab is hidden.
"use strict";
(function () {
  const list = document.getElementById("story-list");
  if (!list || !window.fetch || !window.DOMParser) return;
  const seconds = Math.max(1, parseFloat(list.dataset.pollSeconds) || 10);
  let version = list.dataset.version;
  let busy = false;

  function counts(root) {
    const out = new Map();
    for (const row of root.querySelectorAll("tr[data-story]")) {
      out.set(row.dataset.story, parseInt(row.dataset.articles, 10) || 0);
    }
    return out;
  }

  async function refresh() {
    const page = await fetch(window.location.href, {headers: {"Accept": "text/html"}, cache: "no-store"});
    if (!page.ok) return false;
    const doc = new DOMParser().parseFromString(await page.text(), "text/html");
    const fresh = doc.getElementById("story-list");
    if (!fresh) return false;
    const before = counts(document.getElementById("story-list"));
    let added = 0, grown = 0;
    for (const row of fresh.querySelectorAll("tr[data-story]")) {
      const old = before.get(row.dataset.story);
      const now = parseInt(row.dataset.articles, 10) || 0;
      if (old === undefined) { row.classList.add("new-story"); added += 1; }
      else if (now > old) { row.classList.add("grown-story"); grown += 1; }
    }
    const current = document.getElementById("story-list");
    current.replaceWith(document.adoptNode(fresh));
    version = fresh.dataset.version;
    const status = document.getElementById("live-status");
    if (status && (added || grown)) {
      status.textContent = "Updated " + new Date().toLocaleTimeString() + ": " + added + " new, " +
        grown + " grown.";
    }
    return true;
  }

  async function check() {
    if (busy || document.hidden) return;
    busy = true;
    try {
      const answer = await fetch("/api/stories/version", {cache: "no-store"});
      if (answer.ok) {
        const data = await answer.json();
        if (data.version !== version) await refresh();
      }
    } catch (e) {
      // the server is restarting or unreachable: try again at the next tick
    } finally {
      busy = false;
    }
  }

  window.setInterval(check, seconds * 1000);
  document.addEventListener("visibilitychange", check);
})();
