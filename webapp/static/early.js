// Runs before the page is drawn: lets the stylesheet fold the filters on phones
// only when app.js will be there to unfold them.
document.documentElement.classList.add("js");
