// Options are searched by their names: the theme's search (lunr) reads a leading "-" as "without this word",
// so "--rerun" would find nothing. The dashes in front of a word are dropped as they are typed, before the
// theme reads the box (a listener in the capture phase runs first).
document.addEventListener("input", (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || !box.matches(".md-search__input")) {
    return;
  }
  const plain = box.value.replace(/(^|\s)-+(?=\w)/g, "$1");
  if (plain !== box.value) {
    box.value = plain;
  }
}, true);

// A word that ends in a dash ("forbid-", typed on the way to "forbid-secrets") is not searched until the next
// key: lunr cannot read it ("Invalid query") and the search worker then fails. The theme searches on keyup.
document.addEventListener("keyup", (event) => {
  const box = event.target;
  if (box instanceof HTMLInputElement && box.matches(".md-search__input") && /\w-+$/.test(box.value)) {
    event.stopImmediatePropagation();
  }
}, true);
