"use strict";
(() => {
  const { api, el, toast } = Drafter;
  const form = document.getElementById("plan-form");
  const unit = document.getElementById("f-unit");
  const formError = document.getElementById("form-error");
  const outlineBox = document.getElementById("outline");
  const list = document.getElementById("outline-list");
  const outlineError = document.getElementById("outline-error");

  function showFacts() {
    for (const f of document.querySelectorAll(".fact")) {
      const units = f.dataset.units.split(" ").filter(Boolean);
      f.hidden = units.length > 0 && !units.includes(unit.value);
    }
  }
  unit.addEventListener("change", () => {
    showFacts();
    outlineBox.hidden = true;
  });
  showFacts();

  function plan() {
    const facts = {};
    for (const input of form.querySelectorAll("[name^='fact:']")) {
      if (input.closest(".fact").hidden) continue;
      const v = input.value.trim();
      if (v) facts[input.name.slice(5)] = v;
    }
    const year = Number(document.getElementById("f-year").value);
    const checked = form.querySelector("input[name=writer]:checked");
    return {
      unit: unit.value,
      year: Number.isInteger(year) ? year : 0,
      name: document.getElementById("f-name").value.trim() || null,
      brief: document.getElementById("f-brief").value.trim(),
      facts,
      writer: checked ? checked.value : "offline",
    };
  }

  function check(p) {
    if (!(p.year >= 2000 && p.year <= 2099)) return "计划年度应在 2000 到 2099 之间";
    return null;
  }

  function say(box, message) {
    box.textContent = message || "";
    box.hidden = !message;
  }

  function busy(on) {
    for (const b of document.querySelectorAll("button")) b.disabled = on;
  }

  function sectionRow(s) {
    const title = el("input", { class: "sec-title", value: s.title, maxlength: "40", "aria-label": "部分标题" });
    const li = el("li", { class: "outline-item" + (s.written ? "" : " auto"), dataset: { id: s.id || "" } });
    const move = (dir) => {
      const other = dir < 0 ? li.previousElementSibling : li.nextElementSibling;
      if (!other) return;
      if (dir < 0) list.insertBefore(li, other);
      else list.insertBefore(other, li);
    };
    const tools = el(
      "span",
      { class: "tools" },
      el("button", { type: "button", class: "btn small ghost", title: "上移", "aria-label": "上移", onclick: () => move(-1), text: "↑" }),
      el("button", { type: "button", class: "btn small ghost", title: "下移", "aria-label": "下移", onclick: () => move(1), text: "↓" }),
      el("button", { type: "button", class: "btn small ghost danger", onclick: () => li.remove(), text: "删除" })
    );
    li.append(el("div", { class: "outline-row" }, title, tools));
    if (!s.written && s.id) li.append(el("p", { class: "muted small", text: "由程序生成" }));
    if (s.asks && s.asks.length) li.append(el("p", { class: "small", text: "落实本年重点：" + s.asks.join("、") }));
    if (s.must && s.must.length) {
      const ul = el("ul", { class: "must" });
      for (const m of s.must) ul.append(el("li", { text: m.text }));
      li.append(el("details", { class: "must-box" }, el("summary", { text: `必备事项 ${s.must.length} 项` }), ul));
    } else if (s.written) {
      li.append(el("p", { class: "muted small", text: s.id ? "本部分没有必备事项" : "新增部分：起草后请在此补充内容" }));
    }
    return li;
  }

  async function loadOutline() {
    const p = plan();
    const bad = check(p);
    if (bad) return say(formError, bad);
    say(formError, "");
    busy(true);
    try {
      const o = await api("POST", "/api/outline", p);
      document.getElementById("outline-title").textContent = o.title;
      list.replaceChildren(...o.sections.map(sectionRow));
      outlineBox.hidden = false;
      outlineBox.scrollIntoView({ behavior: "smooth", block: "start" });
    } catch (e) {
      say(formError, e.message);
    } finally {
      busy(false);
    }
  }

  async function startDraft(withOutline) {
    const p = plan();
    const bad = check(p);
    if (bad) return say(formError, bad);
    if (withOutline) {
      p.sections = [...list.querySelectorAll(":scope > li")].map((li) => ({
        id: li.dataset.id || null,
        title: li.querySelector(".sec-title").value.trim(),
      }));
      if (!p.sections.length) return say(outlineError, "提纲至少要有一部分");
      if (p.sections.some((s) => !s.title)) return say(outlineError, "每一部分都要有标题");
    }
    say(formError, "");
    say(outlineError, "");
    busy(true);
    try {
      const created = await api("POST", "/api/drafts", p);
      window.location.assign(created.url);
    } catch (e) {
      say(withOutline ? outlineError : formError, e.message);
      toast(e.message, "error");
      busy(false);
    }
  }

  document.getElementById("btn-outline").addEventListener("click", loadOutline);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    startDraft(false);
  });
  document.getElementById("btn-draft-outline").addEventListener("click", () => startDraft(true));
  document.getElementById("btn-add-section").addEventListener("click", () => {
    const li = sectionRow({ id: null, title: "", written: true, asks: [], must: [] });
    const last = [...list.children].reverse().find((x) => x.classList.contains("auto"));
    list.insertBefore(li, last || null);
    li.querySelector("input").focus();
  });
})();
