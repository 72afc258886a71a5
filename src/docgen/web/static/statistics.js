/* The statistics page: a figure opens the list of the documents (or cases) it counts. */
(function () {
  "use strict";
  var panel = document.getElementById("drill");
  if (!panel) return;
  var labels = JSON.parse(document.getElementById("stat-labels").dataset.labels || "{}");
  var title = document.getElementById("drill-title");
  var list = document.getElementById("drill-list");

  function item(href, text) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    li.appendChild(a);
    return li;
  }

  document.querySelectorAll("button.figure").forEach(function (button) {
    button.addEventListener("click", function () {
      var documents = button.dataset.documents ? button.dataset.documents.split(" ") : [];
      var cases = button.dataset.cases ? button.dataset.cases.split(" ") : [];
      list.textContent = "";
      documents.map(function (id) { return [labels[id] || id, id]; })
        .sort(function (a, b) { return a[0].localeCompare(b[0], "zh-CN", {numeric: true}); })  // by 文书编号
        .forEach(function (pair) { list.appendChild(item("/documents/" + pair[1], pair[0])); });
      cases.forEach(function (id) { list.appendChild(item("/cases/" + id, "案件 " + id)); });
      title.textContent = button.dataset.title + "：" + documents.length + " 份文书" +
        (cases.length ? "，" + cases.length + " 件案件" : "");
      panel.hidden = false;
      button.closest("section").after(panel);
      panel.scrollIntoView({block: "nearest"});
    });
  });
  document.getElementById("drill-close").addEventListener("click", function () { panel.hidden = true; });
})();
