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
  // "/" jumps to the search box, as on many search sites, unless one is typing already.
  document.addEventListener("keydown", (event) => {
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      document.getElementById("q").focus();
    }
  });
});
