// drafter web: shared helpers. Every text from the server is put in the page with textContent
// (never innerHTML), so a plan, a brief or an uploaded file cannot inject markup.
"use strict";

const Drafter = (() => {
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

  class ApiError extends Error {
    constructor(status, message, body) {
      super(message);
      this.status = status;
      this.body = body;
    }
  }

  async function api(method, url, body, options) {
    const init = { method, headers: { "X-CSRF-Token": csrf(), Accept: "application/json" }, credentials: "same-origin" };
    if (body instanceof FormData) {
      init.body = body;
    } else if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    Object.assign(init, options || {});
    let res;
    try {
      res = await fetch(url, init);
    } catch (e) {
      throw new ApiError(0, "无法连接服务器：请检查网络，或确认 drafter serve 仍在运行", null);
    }
    if (res.status === 204) return null;
    let data = null;
    try {
      data = await res.json();
    } catch (e) {
      data = null;
    }
    if (!res.ok) {
      const msg = (data && data.error) || `请求失败（${res.status}）`;
      throw new ApiError(res.status, msg, data);
    }
    return data;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.assign(node.dataset, v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  const SLOT = /【待填：[^】]{1,30}】/g;

  // Text with each 【待填：…】 slot in a <mark>.
  function marked(text) {
    const frag = document.createDocumentFragment();
    let last = 0;
    for (const m of String(text).matchAll(SLOT)) {
      if (m.index > last) frag.append(document.createTextNode(text.slice(last, m.index)));
      frag.append(el("mark", { class: "slot", text: m[0] }));
      last = m.index + m[0].length;
    }
    if (last < text.length) frag.append(document.createTextNode(text.slice(last)));
    return frag;
  }

  let toastTimer = null;
  function toast(message, kind) {
    const t = document.getElementById("toast");
    t.textContent = message;
    t.className = "toast " + (kind || "");
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (t.hidden = true), kind === "error" ? 8000 : 3500);
  }

  function when(seconds) {
    const d = new Date(seconds * 1000);
    const pad = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }

  // The corpus plan an item or a search hit drew on, in a dialog (sections of that plan; `section` first).
  async function showPlan(planId, section) {
    const dlg = document.getElementById("source-dialog");
    const body = document.getElementById("source-body");
    document.getElementById("source-title").textContent = "正在载入…";
    document.getElementById("source-meta").textContent = "";
    body.replaceChildren();
    dlg.showModal();
    try {
      const p = await api("GET", `/api/library/plans/${encodeURIComponent(planId)}`);
      document.getElementById("source-title").textContent = p.title;
      document.getElementById("source-meta").textContent =
        `${p.unit_name} · ${p.kind_name}${p.year ? " · " + p.year + "年" : ""} · 来源文件：${p.source}`;
      const parts = p.sections.slice().sort((a, b) => (b.section_id === section) - (a.section_id === section));
      for (const s of parts) {
        const box = el("section", { class: "source-part" + (section && s.section_id === section ? " hit" : "") });
        if (s.heading) box.append(el("h4", { text: s.heading }));
        for (const line of s.body.split("\n")) if (line.trim()) box.append(el("p", { text: line }));
        body.append(box);
      }
    } catch (e) {
      document.getElementById("source-title").textContent = "无法打开";
      body.append(el("p", { class: "error-text", text: e.message }));
    }
  }

  for (const cell of document.querySelectorAll("[data-time]")) cell.textContent = when(Number(cell.dataset.time));

  return { api, el, marked, toast, when, showPlan, ApiError };
})();
