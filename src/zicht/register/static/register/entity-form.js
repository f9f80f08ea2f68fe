// Progressive enhancement of the signal intake form.
// 1. Shows only the fields of the chosen kind of entity. Without JavaScript every kind's
//    fields stay visible and the server uses those of the chosen kind.
// 2. Keeps the chosen duplicate suggestion in a hidden field outside the suggestions, which
//    htmx re-renders whenever a field changes (a late response must not undo a click).
(function () {
  "use strict";
  function sync(form) {
    var select = form.querySelector("select[name$='-kind']");
    if (!select) { return; }
    form.querySelectorAll("fieldset.kind-fields").forEach(function (fieldset) {
      fieldset.hidden = fieldset.getAttribute("data-kind") !== select.value;
    });
  }
  function hiddenFor(radio) {
    return document.getElementById("id_" + radio.name.replace(/-existing_choice$/, "-existing_id"));
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".entity-form").forEach(function (form) {
      sync(form);
      form.addEventListener("change", function (event) {
        if (event.target.matches("select[name$='-kind']")) { sync(form); }
      });
    });
  });
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("input[type=radio][name$='-existing_choice']")) {
      var hidden = hiddenFor(target);
      if (hidden) { hidden.value = target.value; }
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    event.detail.target.querySelectorAll("input[type=radio][name$='-existing_choice']").forEach(function (radio) {
      var hidden = hiddenFor(radio);
      if (hidden) { radio.checked = radio.value === hidden.value; }
    });
  });
})();
