// iampol report: renders the data embedded in this page. Every piece of data (names, ARNs,
// policy text) comes from an account export and may be hostile: it only ever reaches the
// page through textContent and attribute values set with setAttribute, never as markup.
"use strict";
(function () {
  const index = JSON.parse(document.getElementById("index").textContent);
  const MAX_RESULTS = 500;
  const chunkCache = new Map();

  // el("li", {class: "x", "data-arn": arn}, child, "text", ...): an element built from
  // attributes set one by one and children appended as nodes or text nodes.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value !== undefined && value !== null) node.setAttribute(key, String(value));
    }
    for (const child of children) {
      if (child === undefined || child === null || child === false) continue;
      node.append(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
    }
    return node;
  }

  // A chunk is gzip-compressed JSON in base64; decoded once, when first needed.
  function chunk(id) {
    if (!chunkCache.has(id)) {
      const script = document.getElementById(id);
      chunkCache.set(id, script ? decode(script.textContent) : Promise.reject(new Error("missing data chunk " + id)));
    }
    return chunkCache.get(id);
  }

  async function decode(base64) {
    const binary = atob(base64.trim());
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    if (typeof DecompressionStream === "undefined") {
      throw new Error("this browser cannot decompress the report's data (DecompressionStream is missing)");
    }
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return JSON.parse(await new Response(stream).text());
  }

  async function principalDetail(position) {
    const per = index.principals_per_chunk;
    const list = await chunk("p" + Math.floor(position / per));
    return list[position % per];
  }

  async function accessTable(position) {
    const per = index.access_per_chunk;
    const list = await chunk("a" + Math.floor(position / per));
    return list[position % per];
  }

  async function policyDoc(position) {
    const per = index.policies_per_chunk;
    const list = await chunk("d" + Math.floor(position / per));
    return list[position % per];
  }

  // Index rows: [arn, kind, account, policies, admin, paths].
  const principals = index.principals.map((row, position) => ({
    position,
    arn: row[0],
    kind: row[1],
    account: row[2],
    policies: row[3],
    admin: row[4],
    paths: row[5],
    name: shortName(row[0]),
    haystack: (row[0] + " " + row[1]).toLowerCase(),
  }));
  const byArn = new Map(principals.map((p) => [p.arn, p]));

  function shortName(arn) {
    const resource = arn.split(":").slice(5).join(":");
    const slash = resource.lastIndexOf("/");
    return slash >= 0 ? resource.slice(slash + 1) : resource;
  }

  function hashParams() {
    return new URLSearchParams(location.hash.replace(/^#/, ""));
  }

  function link(params) {
    const parts = [];
    for (const [key, value] of Object.entries(params)) {
      if (value) parts.push(key + "=" + encodeURIComponent(value));
    }
    return "#" + parts.join("&");
  }

  // The page's frame.
  const search = el("input", {
    id: "q",
    type: "search",
    placeholder: "Search principals: name, ARN or account",
    autocomplete: "off",
    spellcheck: "false",
    "aria-label": "Search principals",
  });
  const count = el("span", { id: "count", "aria-live": "polite" });
  const results = el("ul", { id: "results" });
  const detail = el("section", { id: "detail", "aria-live": "polite" });
  const accounts = el("ul", { id: "accounts" });
  document.body.append(
    el("header", null, el("h1", null, index.title), search, count),
    el("main", null, el("nav", null, el("h2", null, "Accounts"), accounts, el("h2", null, "Principals"), results), detail),
  );

  for (const account of index.accounts) {
    accounts.append(
      el(
        "li",
        { "data-account": account.id },
        el("a", { href: link({ q: account.id }) }, account.id),
        " ",
        el("span", { class: "muted" }, `${account.users} users, ${account.groups} groups, ${account.roles} roles, ${account.policies} managed policies, ${account.resources} resource policies`),
        account.org ? el("div", { class: "muted org" }, account.org) : null,
      ),
    );
  }

  function matches(principal, terms) {
    return terms.every((t) => principal.haystack.includes(t));
  }

  function showResults(query) {
    const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
    const found = principals.filter((p) => matches(p, terms));
    const items = found.slice(0, MAX_RESULTS).map((p) =>
      el(
        "li",
        { class: "principal", "data-arn": p.arn },
        el(
          "a",
          { href: link({ q: query, principal: p.arn }) },
          el("span", { class: "kind kind-" + p.kind }, p.kind),
          " ",
          el("span", { class: "pname" }, p.name),
        ),
        " ",
        p.admin === true ? el("span", { class: "badge admin" }, "admin") : null,
        p.admin !== true && p.paths ? el("span", { class: "badge paths" }, `path to admin: ${p.paths} ${p.paths === 1 ? "step" : "steps"}`) : null,
        el("div", { class: "muted arn" }, p.arn),
      ),
    );
    results.replaceChildren(...items);
    if (found.length > MAX_RESULTS) {
      results.append(el("li", { class: "muted more" }, `${found.length - MAX_RESULTS} more: refine the search`));
    }
    count.textContent = `${found.length} of ${principals.length} principals`;
  }

  function overview() {
    const items = [
      el("h2", null, "Overview"),
      el("p", null, `${index.accounts.length} accounts, ${principals.length} principals` + (index.organization ? `, organization ${index.organization}` : "") + "."),
      el("p", { class: "muted" }, "Search for a principal and open it to see the policies that apply to it, each statement with its file and line."),
    ];
    if (index.diagnostics.length) {
      items.push(
        el("h3", null, "Problems reading the export"),
        el("ul", { class: "diagnostics" }, ...index.diagnostics.map((d) => el("li", { class: d.severity }, `${d.file}:${d.line}: ${d.severity}: ${d.message}`))),
      );
    }
    detail.removeAttribute("data-arn");
    detail.replaceChildren(...items);
  }

  function field(label, ...value) {
    return [el("dt", null, label), el("dd", null, ...value)];
  }

  let rendering = 0;
  async function showPrincipal(arn, statement) {
    const entry = byArn.get(arn);
    const token = ++rendering;
    if (!entry) {
      detail.removeAttribute("data-arn");
      detail.replaceChildren(el("p", { class: "error" }, "No principal with the ARN " + arn + " in this report."));
      return;
    }
    let data;
    let docs;
    let access = null;
    const stepDocs = new Map();
    try {
      data = await principalDetail(entry.position);
      docs = await Promise.all(data.policies.map((a) => (a.doc === null || a.doc === undefined ? null : policyDoc(a.doc))));
      const refs = [];
      for (const edge of (data.escalation && data.escalation.path) || []) {
        for (const step of edge.steps) refs.push(...step.statements);
      }
      access = data.access === undefined ? null : await accessTable(data.access);
      for (const group of access || []) {
        for (const grant of group.resources) refs.push(...grant.statements);
      }
      for (const st of refs) {
        if (st.doc !== undefined && !stepDocs.has(st.doc)) stepDocs.set(st.doc, await policyDoc(st.doc));
      }
    } catch (error) {
      if (token !== rendering) return;
      detail.replaceChildren(el("p", { class: "error" }, "Could not read the report's data: " + error.message));
      return;
    }
    if (token !== rendering) return;
    const facts = [
      ...field("Kind", data.kind),
      ...field("Account", data.account),
      ...field("Path", data.path),
    ];
    if (data.id) facts.push(...field("Unique id", data.id));
    if (data.groups.length) facts.push(...field("Groups", data.groups.join(", ")));
    if (data.boundary) facts.push(...field("Permissions boundary", data.boundary));
    if (data.instance_profiles && data.instance_profiles.length) facts.push(...field("Instance profiles", data.instance_profiles.join(", ")));
    if (data.tags.length) facts.push(...field("Tags", data.tags.map(([k, v]) => k + "=" + v).join(", ")));
    const parts = [el("h2", { class: "name" }, data.name), el("p", { class: "arn" }, data.arn), el("dl", null, ...facts)];
    if (data.gaps.length) {
      parts.push(
        el("h3", null, "Not in the export"),
        el("p", { class: "muted" }, "Answers that depend on these are incomplete."),
        el("ul", { class: "gaps" }, ...data.gaps.map((g) => el("li", null, g))),
      );
    }
    if (data.escalation) parts.push(...escalationView(data, stepDocs));
    if (access) parts.push(...accessView(data, access, stepDocs));
    parts.push(el("h3", null, `Policies (${data.policies.length})`));
    const seen = new Set();
    data.policies.forEach((attachment, n) => {
      parts.push(policyView(data.arn, attachment, docs[n], seen));
    });
    detail.setAttribute("data-arn", data.arn);
    detail.replaceChildren(...parts);
    if (statement) {
      const target = document.getElementById("st-" + statement.replace(":", "-"));
      if (target) {
        target.classList.add("target");
        target.scrollIntoView({ block: "center" });
      }
    } else {
      detail.scrollTop = 0;
    }
  }

  // A statement that decided, as a line with its place (a link when it is one of this
  // principal's policies) and, in `full`, its text.
  function statementRef(data, st, stepDocs, own, full) {
    const doc = st.doc === undefined ? null : stepDocs.get(st.doc);
    const statement = doc ? doc.statements.find((x) => x.i === st.i) : null;
    const place = st.doc + ":" + st.i;
    const where = doc && statement ? `${doc.file}:${statement.line}` : "";
    return el(
      "div",
      { class: "statement effect-" + st.effect.toLowerCase(), "data-statement": st.doc === undefined ? null : place },
      el(
        "div",
        { class: "st-head" },
        el("span", { class: "effect" }, st.effect),
        ` ${st.type} ${st.policy}, statement ${st.i}` + (statement && statement.sid ? ` (${statement.sid})` : ""),
        where
          ? own.has(st.doc)
            ? el("a", { class: "loc", href: link({ principal: data.arn, statement: place }) }, where)
            : el("span", { class: "loc" }, where)
          : null,
      ),
      full && statement ? el("pre", null, statement.text) : null,
    );
  }

  function ownDocs(data) {
    return new Set(data.policies.map((a) => a.doc).filter((d) => d !== null && d !== undefined));
  }

  // Effective access: groups of classes of actions (service, access level) allowed on the
  // same resources by the same statements, with the conditions still open.
  function accessView(data, groups, stepDocs) {
    const out = [el("h3", null, "Effective access")];
    if (!groups.length) {
      out.push(el("p", { class: "muted" }, "No action is allowed."));
      return out;
    }
    const own = ownDocs(data);
    const table = el("table", { class: "access" }, el("thead", null, el("tr", null, el("th", null, "Services and access levels"), el("th", null, "Resources and statements"))));
    const body = el("tbody");
    for (const group of groups) {
      const services = new Set(group.classes.map((c) => c[0]));
      const actions = group.classes.reduce((n, c) => n + c[2], 0);
      const list = el("ul", { class: "classes" });
      for (const [service, level, count, of, names] of group.classes) {
        const item = el("li", { "data-service": service, "data-level": level }, el("code", null, service), " " + level + ": ");
        if (names) {
          item.append(el("details", null, el("summary", null, `${count} of ${of} actions`), el("div", { class: "actions" }, names.join(", "))));
        } else {
          item.append(`all ${of} actions`);
        }
        list.append(item);
      }
      const what = group.classes.length > 8
        ? el("td", null, el("details", null, el("summary", null, `${services.size} services, ${actions} actions`), list))
        : el("td", null, list);
      const where = el("td");
      for (const g of group.resources) {
        const block = el("div", { class: "grant" }, el("code", null, g.pattern));
        for (const set of g.within || []) block.append(el("div", { class: "muted" }, "within " + set.join(" or ")));
        if (g.except && g.except.length) block.append(el("div", { class: "muted" }, "except " + g.except.join(", ")));
        for (const c of g.conditions || []) block.append(el("div", { class: "cond" }, "if " + c));
        for (const u of g.unless || []) block.append(el("div", { class: "cond" }, "denied if " + u));
        for (const st of g.statements) block.append(statementRef(data, st, stepDocs, own, false));
        where.append(block);
      }
      body.append(el("tr", null, what, where));
    }
    table.append(body);
    out.push(table);
    return out;
  }

  // The path to admin, each step with the statements that allow it (their text, file and
  // line; a link to the statement when it is one of this principal's policies).
  function escalationView(data, stepDocs) {
    const out = [el("h3", null, "Escalation to admin")];
    const escalation = data.escalation;
    if (escalation.admin) {
      out.push(el("p", { class: "admin-note" }, "Admin: allowed every action on every resource, after its permissions boundary and SCPs."));
      return out;
    }
    if (!escalation.path.length) {
      out.push(el("p", { class: "muted" }, "No path to admin found."));
      return out;
    }
    const own = ownDocs(data);
    const list = el("ol", { class: "path" });
    for (const edge of escalation.path) {
      const head = el(
        "div",
        { class: "edge-head" },
        el("span", { class: "arn" }, edge.from),
        " \u2192 ",
        el("span", { class: "arn" }, edge.to),
        " ",
        el("span", { class: "via" }, edge.via),
        edge.through ? el("span", { class: "muted" }, " through " + edge.through) : null,
      );
      const item = el("li", { class: "edge", "data-from": edge.from, "data-to": edge.to, "data-via": edge.via }, head);
      if (edge.assumes) item.append(el("p", { class: "muted" }, "Holds if this exists (the export does not list it): " + edge.assumes));
      for (const step of edge.steps) {
        const stepView = el("div", { class: "step" }, el("div", null, el("code", null, step.action), " on ", el("code", null, step.resource)));
        if (step.context && step.context.length) {
          stepView.append(el("div", { class: "muted" }, "with " + step.context.map(([k, v]) => k + "=" + v).join(", ")));
        }
        if (step.assumed_absent && step.assumed_absent.length) {
          stepView.append(el("div", { class: "muted" }, "while these keys are absent: " + step.assumed_absent.join(", ")));
        }
        for (const st of step.statements) stepView.append(statementRef(data, st, stepDocs, own, true));
        item.append(stepView);
      }
      list.append(item);
    }
    out.push(list);
    return out;
  }

  const VIA = {
    inline: "inline",
    managed: "managed",
    group: "group",
    boundary: "permissions boundary",
    trust: "trust policy",
    scp: "SCP",
  };

  function policyView(arn, attachment, doc, seen) {
    const via = VIA[attachment.via] || attachment.via;
    const head = el(
      "h4",
      null,
      el("span", { class: "via via-" + attachment.via }, attachment.from ? `${via} ${attachment.from}` : via),
      " ",
      attachment.name,
    );
    if (!doc) {
      return el("article", { class: "policy missing" }, head, el("p", { class: "error" }, "The document is not in the export."));
    }
    const first = !seen.has(attachment.doc);
    seen.add(attachment.doc);
    const article = el("article", { class: "policy", "data-doc": attachment.doc }, head, el("p", { class: "where muted" }, `${doc.kind} policy, ${doc.file}:${doc.line}`));
    for (const st of doc.statements) {
      const place = attachment.doc + ":" + st.i;
      article.append(
        el(
          "div",
          { class: "statement effect-" + st.effect.toLowerCase(), id: first ? "st-" + attachment.doc + "-" + st.i : null, "data-statement": place },
          el(
            "div",
            { class: "st-head" },
            el("span", { class: "effect" }, st.effect || "(no effect)"),
            " ",
            `statement ${st.i}` + (st.sid ? ` (${st.sid})` : ""),
            " ",
            el("a", { class: "loc", href: link({ principal: arn, statement: place }) }, `${doc.file}:${st.line}`),
          ),
          el("pre", null, st.text),
        ),
      );
    }
    return article;
  }

  let lastQuery = null;
  function apply() {
    const params = hashParams();
    const query = params.get("q") || "";
    if (query !== lastQuery) {
      lastQuery = query;
      if (search.value !== query) search.value = query;
      showResults(query);
    }
    const arn = params.get("principal");
    for (const li of results.querySelectorAll("li.selected")) li.classList.remove("selected");
    if (arn) {
      for (const li of results.querySelectorAll("li.principal")) {
        if (li.getAttribute("data-arn") === arn) li.classList.add("selected");
      }
      showPrincipal(arn, params.get("statement"));
    } else {
      rendering++;
      overview();
    }
  }

  search.addEventListener("input", () => {
    const params = hashParams();
    const next = link({ q: search.value, principal: params.get("principal") });
    history.replaceState(null, "", next === "#" ? location.pathname + location.search : next);
    lastQuery = search.value;
    showResults(search.value);
  });
  window.addEventListener("hashchange", apply);
  apply();
  document.body.setAttribute("data-ready", "1");
})();
