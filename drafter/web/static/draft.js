"use strict";
(() => {
  const { api, el, marked, toast, showPlan } = Drafter;
  const root = document.getElementById("draft-app");
  const id = root.dataset.draftId;
  const box = document.getElementById("sections");
  let draft = null;
  let source = null;
  const editing = new Map(); // section id -> {node, base}
  const nodes = new Map(); // section id -> element
  let scoreTimer = null;
  let scoredVersion = 0;

  function paragraphs(text, cls) {
    return String(text)
      .split("\n")
      .filter((x) => x.trim())
      .map((x) => el("p", { class: cls || "doc-para" }, marked(x)));
  }

  function itemList(items, sectionId) {
    const ol = el("ol", { class: "items" });
    for (const it of items) {
      const basis = el("div", { class: "basis", hidden: true }, "依据：", it.basis);
      if (it.plan_id) {
        basis.append(
          " ",
          el("button", { type: "button", class: "link", onclick: () => showPlan(it.plan_id, sectionId), text: "查看原文" })
        );
      }
      const toggle = el("button", {
        type: "button",
        class: "basis-btn",
        title: "这一条的依据",
        text: "依据",
        onclick: () => (basis.hidden = !basis.hidden),
      });
      ol.append(el("li", { class: it.unfilled.length ? "has-slot" : "" }, el("span", {}, marked(it.text)), toggle, basis));
    }
    return ol;
  }

  function sectionBody(s) {
    const body = el("div", { class: "sec-body" });
    if (s.pending) {
      body.append(el("p", { class: "pending", text: "正在起草本部分…" }));
      return body;
    }
    if (s.error && !s.intro && !s.items.length && !s.subsections.length) {
      body.append(el("p", { class: "error-text", text: "本部分未写成：" + s.error }));
      return body;
    }
    body.append(...paragraphs(s.intro));
    if (s.layout === "months") {
      for (const it of s.items) body.append(el("p", { class: "doc-para month" }, marked(it.text)));
      return body;
    }
    if (s.items.length) body.append(itemList(s.items, s.id));
    for (const sub of s.subsections) {
      body.append(el("h4", { text: sub.title }));
      if (sub.items.length) body.append(itemList(sub.items, s.id));
    }
    if (s.sources.length) {
      const p = el("p", { class: "sources small" }, "本部分参考：");
      s.sources.forEach((src, i) => {
        if (i) p.append("、");
        p.append(el("button", { type: "button", class: "link", onclick: () => showPlan(src.plan_id, s.id), text: `《${src.title || src.plan_id}》` }));
      });
      body.append(p);
    }
    return body;
  }

  function tools(s) {
    const bar = el("div", { class: "sec-tools" });
    if (draft.status === "drafting") return bar;
    if (s.layout === "months") {
      bar.append(el("span", { class: "muted small", text: "本部分按各部分的活动自动生成，改动相应部分即可" }));
      return bar;
    }
    bar.append(
      el("button", { type: "button", class: "btn small", text: "修改本节", onclick: () => openEditor(s.id) }),
      el("button", { type: "button", class: "btn small ghost", text: "重新起草本节", onclick: (ev) => redraft(s.id, ev.currentTarget) })
    );
    return bar;
  }

  function sectionNode(s) {
    return el(
      "section",
      { class: "sec" + (s.pending ? " is-pending" : ""), id: "sec-" + s.id, dataset: { id: s.id } },
      el("div", { class: "sec-head" }, el("h3", { text: `${s.number}、${s.title}` }), tools(s)),
      sectionBody(s)
    );
  }

  function statusLine(d) {
    const bar = document.getElementById("progress-bar");
    const text = document.getElementById("status-text");
    const resume = document.getElementById("btn-resume");
    const pct = d.progress_total ? Math.round((100 * d.progress_done) / d.progress_total) : 100;
    bar.style.width = pct + "%";
    const status = document.getElementById("status");
    status.className = "status st-" + d.status;
    resume.hidden = !(d.status === "failed" || d.status === "interrupted");
    if (d.status === "drafting") text.textContent = `正在起草：已完成 ${d.progress_done} / ${d.progress_total} 部分`;
    else if (d.status === "done")
      text.textContent = d.failed.length
        ? `已写完，但有 ${d.failed.length} 部分未写成：${d.failed.join("、")}`
        : "已写完。可以逐节修改、重新起草，满意后下载 Word。";
    else text.textContent = `${d.status_label}：${d.error || ""}（已写好的 ${d.progress_done} 部分已保存）`;
  }

  function render(d) {
    if (draft && d.version < draft.version) return; // an older event arriving late
    const first = !draft;
    const before = new Set(draft ? draft.sections.filter((s) => !s.pending).map((s) => s.id) : []);
    draft = d;
    document.title = d.title + " · drafter";
    document.getElementById("d-title").textContent = d.title;
    document.getElementById("d-meta").textContent = `${d.unit_name} · ${d.year}年 · ${d.writer} · 最后保存 ${Drafter.when(d.updated)}`;
    document.getElementById("doc-title").textContent = d.title;
    document.getElementById("doc-preamble").replaceChildren(marked(d.preamble));
    const closing = document.getElementById("doc-closing");
    closing.replaceChildren(...d.closing.map((x) => el("p", {}, marked(x))));
    statusLine(d);
    const seen = new Set();
    let prev = null;
    for (const s of d.sections) {
      seen.add(s.id);
      let node;
      const ed = editing.get(s.id);
      if (ed) {
        node = ed.node;
        node.querySelector("h3").textContent = `${s.number}、${s.title}`;
      } else {
        node = sectionNode(s);
        if (!first && !s.pending && !before.has(s.id)) node.classList.add("arrived");
        const old = nodes.get(s.id);
        if (old) old.replaceWith(node);
      }
      nodes.set(s.id, node);
      if (prev) prev.after(node);
      else box.prepend(node);
      prev = node;
    }
    for (const [sid, node] of nodes) {
      if (!seen.has(sid)) {
        node.remove();
        nodes.delete(sid);
      }
    }
    const ul = document.getElementById("unfilled-list");
    ul.replaceChildren(
      ...d.unfilled.map((k) =>
        el("li", {}, el("button", { type: "button", class: "chip", text: k, onclick: () => jumpTo(k) }))
      )
    );
    if (!d.unfilled.length) ul.append(el("li", { class: "muted small", text: d.status === "drafting" ? "起草完成后列出" : "没有待填写的事项" }));
    if (d.status !== "drafting") scheduleScore();
  }

  function jumpTo(key) {
    const mark = [...document.querySelectorAll("mark.slot")].find((m) => m.textContent === `【待填：${key}】`);
    if (!mark) return;
    mark.scrollIntoView({ behavior: "smooth", block: "center" });
    mark.classList.add("flash");
    setTimeout(() => mark.classList.remove("flash"), 1600);
  }

  function openEditor(sid, mine) {
    const s = draft.sections.find((x) => x.id === sid);
    const node = nodes.get(sid);
    if (!s || !node) return;
    const area = el("textarea", { class: "editor", rows: String(Math.min(24, Math.max(6, s.text.split("\n").length + 2))), "aria-label": "本节正文" });
    area.value = s.text;
    const err = el("p", { class: "error-text", hidden: true });
    const save = el("button", { type: "button", class: "btn primary small", text: "保存修改" });
    const cancel = el("button", { type: "button", class: "btn small ghost", text: "取消" });
    const help = el("p", { class: "muted small", text: "第一段是本部分的开头；每条工作写成一行，以“1.”“2.”开头；小标题写成“（一）……”。【待填：…】处直接改成实际内容。" });
    const editor = el("div", { class: "sec-editor" }, help, area, err, el("div", { class: "actions" }, save, cancel));
    if (mine) {
      const kept = el("textarea", { class: "editor mine", rows: "6", readonly: true, "aria-label": "您刚才的修改" });
      kept.value = mine;
      editor.append(el("p", { class: "small", text: "您刚才的修改（未保存，可复制后粘贴到上面）：" }), kept);
    }
    node.querySelector(".sec-body").replaceWith(el("div", { class: "sec-body" }, editor));
    node.querySelector(".sec-tools").replaceChildren();
    editing.set(sid, { node, base: draft.version });
    area.focus();
    cancel.addEventListener("click", () => {
      editing.delete(sid);
      render(Object.assign({}, draft, { version: draft.version }));
    });
    save.addEventListener("click", async () => {
      save.disabled = cancel.disabled = true;
      save.textContent = "正在保存…";
      try {
        const d = await api("PUT", `/api/drafts/${id}/sections/${encodeURIComponent(sid)}`, {
          text: area.value,
          base_version: editing.get(sid).base,
        });
        editing.delete(sid);
        render(d);
        toast("已保存");
      } catch (e) {
        if (e.status === 409) {
          const text = area.value;
          editing.delete(sid);
          render(await api("GET", `/api/drafts/${id}`));
          openEditor(sid, text);
          toast(e.message, "error");
        } else {
          err.textContent = e.message;
          err.hidden = false;
          save.disabled = cancel.disabled = false;
          save.textContent = "保存修改";
        }
      }
    });
  }

  async function redraft(sid, button) {
    button.disabled = true;
    button.textContent = "正在重新起草…";
    try {
      const d = await api("POST", `/api/drafts/${id}/sections/${encodeURIComponent(sid)}/redraft`, {
        base_version: draft.version,
      });
      render(d);
      const node = nodes.get(sid);
      if (node) node.classList.add("arrived");
      toast("本节已重新起草");
    } catch (e) {
      toast(e.message, "error");
      if (e.status === 409) render(await api("GET", `/api/drafts/${id}`));
      button.disabled = false;
      button.textContent = "重新起草本节";
    }
  }

  function scheduleScore() {
    if (!draft || draft.version === scoredVersion) return;
    document.getElementById("score-state").textContent = "（正在更新）";
    clearTimeout(scoreTimer);
    scoreTimer = setTimeout(loadScore, 250);
  }

  function meter(label, value, shown) {
    const bar = el("div", { class: "meter" }, el("div", { class: "fill" }));
    bar.firstChild.style.width = Math.round(Math.max(0, Math.min(1, value)) * 100) + "%";
    return el("div", { class: "metric" }, el("div", { class: "metric-row" }, el("span", { text: label }), el("b", { text: shown })), bar);
  }

  async function loadScore() {
    const version = draft.version;
    const body = document.getElementById("score-body");
    try {
      const s = await api("GET", `/api/drafts/${id}/score`);
      scoredVersion = version;
      const pct = (x) => Math.round(x * 100) + "%";
      const parts = [
        el("div", { class: "overall" }, el("span", { class: "big", text: String(Math.round(s.overall * 100)) }), el("span", { text: " 分（满分 100）" })),
        meter("结构完整度", s.coverage.value, pct(s.coverage.value)),
        meter("必备事项", s.must_have.value, pct(s.must_have.value)),
      ];
      if (s.missing_sections.length) parts.push(el("p", { class: "small warn", text: "缺少的部分：" + s.missing_sections.join("、") }));
      if (s.missing_must.length) {
        const ul = el("ul", { class: "small warn-list" }, ...s.missing_must.slice(0, 8).map((t) => el("li", { text: t })));
        parts.push(el("p", { class: "small", text: `还缺 ${s.missing_must.length} 项必备事项：` }), ul);
      }
      if (s.asks.length) {
        const ul = el("ul", { class: "small asks" });
        for (const a of s.asks) ul.append(el("li", { class: a.acted ? "ok" : "warn", text: `${a.acted ? "✓" : "✗"} ${a.ask}${a.acted ? "" : "（未见具体举措）"}` }));
        parts.push(el("p", { class: "small", text: "本年重点：" }), ul);
      }
      if (s.faults.length) {
        const ul = el("ul", { class: "small warn-list" }, ...s.faults.map((f) => el("li", { title: f.reason, text: `${f.label}：${f.shown}` })));
        parts.push(el("p", { class: "small", text: "读者会注意到的问题：" }), ul);
      } else {
        parts.push(el("p", { class: "small ok", text: "未发现常见问题（占位符、网页残留、过时提法、年份错误等）。" }));
      }
      body.replaceChildren(...parts);
      body.classList.remove("muted");
      document.getElementById("score-state").textContent = draft.version === version ? "" : "（正在更新）";
      if (draft.version !== version) scheduleScore();
    } catch (e) {
      document.getElementById("score-state").textContent = "";
      body.replaceChildren(el("p", { class: "error-text", text: e.message }));
    }
  }

  function follow() {
    if (source) source.close();
    source = new EventSource(`/api/drafts/${id}/events`);
    const onDraft = (ev) => {
      const data = JSON.parse(ev.data);
      if (data.draft) render(data.draft);
      return data;
    };
    source.addEventListener("snapshot", onDraft);
    source.addEventListener("section", onDraft);
    source.addEventListener("done", (ev) => {
      onDraft(ev);
      toast("起草完成");
    });
    source.addEventListener("failed", (ev) => {
      const data = onDraft(ev);
      toast(data.message || "起草未完成", "error");
    });
    source.addEventListener("end", () => {
      source.close();
      source = null;
    });
    source.onerror = () => {
      if (draft && draft.status !== "drafting" && source) {
        source.close();
        source = null;
      }
    };
  }

  document.getElementById("btn-resume").addEventListener("click", async (ev) => {
    const button = ev.currentTarget;
    button.disabled = true;
    try {
      render(await api("POST", `/api/drafts/${id}/resume`));
      follow();
    } catch (e) {
      toast(e.message, "error");
    } finally {
      button.disabled = false;
    }
  });

  follow();
})();
