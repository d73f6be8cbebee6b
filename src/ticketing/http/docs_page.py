"""A self-contained docs page: fetches /openapi.json and renders it as a navigable list.

No CDN, no external assets: it works offline and behind strict firewalls.
"""

from __future__ import annotations

from typing import Final

DOCS_HTML: Final = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>ticketing API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
 body { font: 15px/1.45 system-ui, sans-serif; margin: 0; display: flex; }
 nav { width: 18rem; height: 100vh; overflow: auto; position: sticky; top: 0;
       background: #f4f5f7; padding: 1rem; box-sizing: border-box; }
 nav a { display: block; color: #234; text-decoration: none; padding: .1rem 0; }
 nav h3 { margin: 1rem 0 .3rem; font-size: .8rem; text-transform: uppercase; }
 main { flex: 1; padding: 1rem 2rem; max-width: 60rem; }
 details { border: 1px solid #dde; border-radius: 6px; margin: .5rem 0; }
 summary { cursor: pointer; padding: .5rem; }
 .m { display: inline-block; width: 3.6rem; font-weight: 600; }
 .get { color: #06c; } .post { color: #080; }
 .body { padding: 0 1rem 1rem; }
 pre { background: #f7f7f9; padding: .6rem; overflow: auto; font-size: 13px; }
 table { border-collapse: collapse; } td, th { border: 1px solid #dde;
 padding: .2rem .5rem; text-align: left; vertical-align: top; }
</style>
</head>
<body>
<nav id="nav"><strong>ticketing API</strong></nav>
<main id="main"><p>Loading /openapi.json ...</p></main>
<script>
const esc = s => String(s).replace(/[&<>"]/g,
  c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]));
function resolve(doc, schema) {
  if (schema && schema.$ref) {
    return doc.components.schemas[schema.$ref.split("/").pop()];
  }
  return schema;
}
function schemaBlock(doc, schema) {
  if (!schema) return "";
  const name = schema.$ref ? schema.$ref.split("/").pop() : "";
  const body = JSON.stringify(resolve(doc, schema), null, 2);
  return `<p>${esc(name)}</p><pre>${esc(body)}</pre>`;
}
function render(doc) {
  const nav = document.getElementById("nav");
  const main = document.getElementById("main");
  main.innerHTML = `<h1>${esc(doc.info.title)} ${esc(doc.info.version)}</h1>` +
    `<pre>${esc(doc.info.description)}</pre>`;
  const byTag = {};
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      (byTag[op.tags[0]] = byTag[op.tags[0]] || []).push([method, path, op]);
    }
  }
  for (const [tag, ops] of Object.entries(byTag).sort()) {
    nav.insertAdjacentHTML("beforeend", `<h3>${esc(tag)}</h3>`);
    main.insertAdjacentHTML("beforeend", `<h2 id="tag-${esc(tag)}">${esc(tag)}</h2>`);
    for (const [method, path, op] of ops) {
      const id = "op-" + op.operationId;
      nav.insertAdjacentHTML("beforeend",
        `<a href="#${id}"><span class="m ${method}">${method.toUpperCase()}</span>` +
        `${esc(path)}</a>`);
      const params = (op.parameters || []).map(p =>
        `<tr><td>${esc(p.name)}</td><td>${esc(p.in)}</td>` +
        `<td>${p.required ? "yes" : ""}</td><td>${esc(JSON.stringify(p.schema))}</td>` +
        `<td>${esc(p.description || "")}</td></tr>`).join("");
      const body = op.requestBody ?
        "<h4>Request body</h4>" +
        schemaBlock(doc, op.requestBody.content["application/json"].schema) : "";
      const responses = Object.entries(op.responses).map(([code, r]) => {
        const c = r.content || {};
        const json = c["application/json"];
        return `<h4>${esc(code)} ${esc(r.description)}</h4>` +
          (json ? schemaBlock(doc, json.schema) : `<p>${esc(Object.keys(c))}</p>`);
      }).join("");
      main.insertAdjacentHTML("beforeend",
        `<details id="${id}"><summary><span class="m ${method}">` +
        `${method.toUpperCase()}</span> <code>${esc(path)}</code> ` +
        `${esc(op.summary)}</summary><div class="body">` +
        `<p>${esc(op.description)}</p>` +
        (params ? `<h4>Parameters</h4><table><tr><th>name</th><th>in</th>` +
          `<th>required</th><th>schema</th><th></th></tr>${params}</table>` : "") +
        body + responses + "</div></details>");
    }
  }
  if (location.hash) {
    const el = document.querySelector(location.hash);
    if (el && el.tagName === "DETAILS") el.open = true;
  }
}
fetch("openapi.json").then(r => r.json()).then(render).catch(e => {
  document.getElementById("main").textContent = "Could not load the spec: " + e;
});
window.addEventListener("hashchange", () => {
  const el = document.querySelector(location.hash);
  if (el && el.tagName === "DETAILS") el.open = true;
});
</script>
</body>
</html>
"""
