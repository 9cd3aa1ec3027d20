// Progressive enhancement only: every feature works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Changing the sort order submits its form at once; the button stays for keyboards and no-JS.
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.requestSubmit());
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
