/* Apply the saved colour theme before the page paints, and mark that scripts run. */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");
  try {
    var saved = window.localStorage.getItem("neuron-grader:theme");
    if (saved === "light" || saved === "dark") root.setAttribute("data-theme", saved);
  } catch (error) {
    /* Storage can be disabled; the system preference then decides. */
  }
})();
