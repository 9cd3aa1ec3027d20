// Progressive enhancement only: every feature works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Changing the sort order submits its form at once; the button stays for keyboards and no-JS.
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.requestSubmit());
  }
  // The words panel is counted only when opened (it reads up to 500 articles); without this
  // file its link opens the same words on a page of their own.
  for (const panel of document.querySelectorAll("details[data-src]")) {
    panel.addEventListener("toggle", async () => {
      const slot = panel.querySelector(".terms-slot");
      if (!panel.open || panel.dataset.loaded) return;
      panel.dataset.loaded = "1";
      slot.setAttribute("aria-busy", "true");
      slot.textContent = "Counting words\u2026";
      try {
        const response = await fetch(panel.dataset.src, { headers: { Accept: "text/html" } });
        slot.innerHTML = await response.text();  // our own server-rendered, escaped fragment
      } catch (error) {
        slot.textContent = "The words could not be counted: " + error.message;
        delete panel.dataset.loaded;
      }
      slot.removeAttribute("aria-busy");
    });
  }
  // Keyboard shortcuts, as on many search sites ("?" lists them): "/" the search box, j/k the
  // next/previous result, o (or Enter on a result) opens it, s saves the search. Never while
  // typing in a field or with a modifier key held.
  const hitLinks = () => Array.from(document.querySelectorAll("li.hit .hit-title a"));
  const status = document.getElementById("shortcut-status");
  const announce = (text) => { if (status) status.textContent = text; };
  const moveTo = (step) => {
    const links = hitLinks();
    if (!links.length) return;
    const now = links.indexOf(document.activeElement);
    const next = now < 0 ? (step > 0 ? 0 : links.length - 1) : Math.min(links.length - 1, Math.max(0, now + step));
    for (const hit of document.querySelectorAll("li.hit.is-current")) hit.classList.remove("is-current");
    const link = links[next];
    link.closest("li.hit").classList.add("is-current");
    link.focus();
    link.scrollIntoView({ block: "nearest" });
    announce(`Result ${next + 1} of ${links.length}`);
  };
  const dialog = document.getElementById("shortcuts");
  document.addEventListener("keydown", (event) => {
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName)
      || document.activeElement.isContentEditable;
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    if (dialog && dialog.open && event.key !== "?") return;
    if (event.key === "/") {
      event.preventDefault();
      const box = document.getElementById("q");
      box.focus();
      box.setSelectionRange(box.value.length, box.value.length);  // type on after the query
    } else if (event.key === "j" || event.key === "k") {
      event.preventDefault();
      moveTo(event.key === "j" ? 1 : -1);
    } else if (event.key === "o") {
      const links = hitLinks();
      const link = links.includes(document.activeElement) ? document.activeElement : links[0];
      if (link) { event.preventDefault(); link.click(); }
    } else if (event.key === "s") {
      const save = document.querySelector("details.save");
      if (save) {
        event.preventDefault();
        save.open = true;
        const name = document.getElementById("save-name");
        name.focus();
        name.select();  // Enter keeps the suggested name; typing replaces it
        announce("Save this search: type a name and press Enter");
      }
    } else if (event.key === "?" && dialog) {
      event.preventDefault();
      if (dialog.open) dialog.close(); else dialog.showModal();
    }
  });
  for (const button of document.querySelectorAll("[data-close-dialog]")) {
    button.addEventListener("click", () => button.closest("dialog").close());
  }
});
