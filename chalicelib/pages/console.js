/* The officials' console: review queue, status marks with the second official's approval,
 * appeals, held risk snapshots, venue registration, checkpoint posts and the audit log.
 *
 * Only staff roles get in (reviewer, official, admin); each sees the sections of its
 * role, and the API checks the role again on every call. Every action opens a dialog
 * that asks for its reason: the note, answer or epidemic category the API records.
 * Approving a mark takes no reason of its own: the dialog shows the reason on record
 * and asks for the category to be picked again. Confirming a held snapshot asks for
 * the feed id typed again and the reason, which the API keeps in the audit log.
 */
(function () {
  "use strict";
  var Y = window.Yima;
  var $ = function (id) { return document.getElementById(id); };
  var STAFF = ["reviewer", "official", "admin"];
  // chalicelib/venues/rules.py VENUE_KINDS (tests/app/test_pages.py holds them equal)
  var VENUE_KINDS = ["restaurant", "shop", "market", "office", "school", "hospital", "hotel",
    "transport", "residential", "public", "other"];

  Y.addWords({
    console_title: ["工作人员后台", "Staff console"],
    staff_only: ["仅限审核员、卫健官员与管理员登录", "Reviewers, health officials and admins only"],
    paste_token: ["工作人员令牌（python -m chalicelib.cli issue-token）",
      "Staff token (python -m chalicelib.cli issue-token)"],
    not_staff: ["此账号不是工作人员角色", "This account has no staff role"],
    submit: ["提交", "Submit"],
    cancel: ["取消", "Cancel"],
    tab_reviews: ["待审核申报", "Reviews"],
    tab_marks: ["状态标记", "Status marks"],
    tab_appeals: ["申诉", "Appeals"],
    tab_risk: ["风险地区", "Risk areas"],
    tab_venues: ["场所登记", "Venues"],
    tab_posts: ["卡口岗位", "Checkpoint posts"],
    tab_audit: ["审计日志", "Audit log"],
    checkpoint_account: ["卡口账号（登录返回的 user.id）", "Checkpoint account (user.id from its login)"],
    venue_id: ["场所编号", "Venue id"],
    assign: ["派驻", "Post"],
    posts_of: ["查询账号的岗位", "Posts of an account"],
    end_post: ["结束岗位", "End post"],
    empty: ["暂无", "Nothing here"],
    approve: ["通过", "Approve"],
    approve_mark: ["批准", "Approve"],
    reject: ["驳回", "Reject"],
    answer: ["答复", "Answer"],
    confirm: ["确认生效", "Confirm"],
    note: ["理由（必填）", "Reason (required)"],
    answer_text: ["答复内容（市民可见，必填）", "The answer the citizen reads (required)"],
    new_mark: ["申请状态标记（需另一名官员批准）", "Request a status mark (a second official approves)"],
    id_number: ["身份证号", "ID number"],
    status: ["状态", "Status"],
    category: ["流调原因", "Epidemic reason"],
    contact_date: ["接触日期（密接/次密接必填）", "Contact date (contacts only)"],
    mark_note: ["说明（市民可见，必填）", "Explanation (the citizen reads it; required)"],
    request: ["提交申请", "Request"],
    queue: ["待批准", "Awaiting approval"],
    requested_by: ["申请人", "Requested by"],
    requested_at: ["申请时间", "Requested"],
    approve_check: ["请再次选择该申请的流调原因以确认", "Pick the request's epidemic reason again to confirm"],
    approve_mismatch: ["所选原因与申请不一致", "That is not the request's reason"],
    outcome: ["结论", "Outcome"],
    // table headers
    col_id: ["编号", "Id"],
    col_submitted: ["提交时间", "Submitted"],
    col_person: ["人员", "Person"],
    col_answers: ["申报内容", "Declared"],
    col_review_reasons: ["需复核原因", "Why it needs review"],
    col_reasons: ["当前赋码原因", "Current colour reasons"],
    col_appeal: ["申诉理由", "The citizen's reason"],
    col_colour: ["申诉时码色", "Colour appealed"],
    col_latest: ["最近一次申报", "Latest declaration"],
    col_note: ["说明", "Explanation"],
    col_contact_date: ["接触日期", "Contact date"],
    col_assigned_at: ["派驻时间", "Posted"],
    col_at: ["时间", "When"],
    col_actor: ["操作人", "By"],
    col_action: ["操作", "Action"],
    col_reason: ["理由", "Reason"],
    col_actions: ["处理", "Act"],
    // what the tables say
    not_declared: ["尚未申报", "Not declared yet"],
    no_person: ["（无人员信息）", "(no person)"],
    a_symptoms: ["症状", "Symptoms"],
    a_contact: ["接触确诊病例", "Contact with a case"],
    a_abroad: ["14天内境外", "Abroad (14 days)"],
    a_region: ["居住地", "Lives in"],
    no_answers: ["无申报", "No declaration"],
    nothing: ["无", "None"],
    withdraws: ["更正申报：撤回 ", "Correction: withdraws "],
    withdraw_pick: ["申诉成立时撤回以下已申报的风险（可多选）",
      "Upheld: withdraw these declared risks (tick any)"],
    withdrawn: ["已撤回 ", "Taken back: "],
    withdraw_only_upheld: ["只有申诉成立时才能撤回已申报的风险",
      "Only an upheld appeal withdraws declared risks"],
    sep: ["、", ", "],
    until_short: ["至", "until"],
    // risk areas
    push: ["发布快照", "Push snapshot"],
    snapshot_form: ["填写风险地区快照", "Fill in a risk-area snapshot"],
    snapshot_full: ["快照是全量名单：未列出的地区在快照生效时即解除。",
      "A snapshot is the full list: an area it leaves out is lifted when it takes effect."],
    snapshot_json: ["或上传 / 粘贴快照 JSON", "Or upload / paste the snapshot's JSON"],
    snapshot: ["快照 JSON", "Snapshot JSON"],
    json_file: ["JSON 文件", "JSON file"],
    push_json: ["发布 JSON", "Push the JSON"],
    load_rows: ["载入到表格", "Load into the form"],
    add_row: ["添加一行", "Add a row"],
    remove_row: ["删除此行", "Remove this row"],
    row_n: ["第 {n} 行", "Row {n}"],
    region: ["区县", "Division"],
    area_name: ["风险区名称（街道、小区）", "Area (street, community)"],
    level: ["风险等级", "Level"],
    since: ["起始时间", "Since"],
    published_at: ["发布时间", "Published"],
    no_rows: ["请至少填写一行，或使用 JSON 发布空快照", "Add a row, or push an empty snapshot as JSON"],
    held: ["暂缓生效的快照", "Held snapshots"],
    feed_id: ["快照编号", "Feed id"],
    published: ["发布时间", "Published"],
    why_held: ["暂缓原因", "Why held"],
    why_older_than_active: ["早于当前生效的快照", "Older than the active snapshot"],
    why_lifts_too_much: ["一次解除过半中高风险区", "Lifts over half of the active areas"],
    would_lift: ["确认后解除", "Would lift"],
    would_raise: ["确认后新增或升级", "Would raise"],
    would_lower: ["确认后降级", "Would lower"],
    type_feed_id: ["请输入快照编号以确认", "Type the feed id to confirm"],
    feed_mismatch: ["编号不一致", "The feed id does not match"],
    feed_report: ["新增或升级 {raised} · 降级 {lowered} · 解除 {lifted} · 重新赋码 {people} 人",
      "raised {raised} · lowered {lowered} · lifted {lifted} · {people} people recoloured"],
    policy: ["地区进出政策", "A division's entry and return policy"],
    policy_text: ["政策内容", "Policy text"],
    save: ["保存", "Save"],
    // venues
    venue_name: ["场所名称", "Venue name"],
    region_code: ["所在区县", "District"],
    address: ["地址", "Address"],
    register: ["登记", "Register"],
    venue_kind: ["场所类型", "Kind of venue"],
    lat: ["纬度", "Latitude"],
    lng: ["经度", "Longitude"],
    venue_done: ["场所已登记", "Venue registered"],
    poster_pdf: ["下载海报 PDF（A5，打印张贴）", "Poster PDF (A5, to print)"],
    poster_png: ["场所码图片 PNG", "Venue code PNG"],
    poster_svg: ["场所码 SVG", "Venue code SVG"],
    poster_alt: ["场所码：{name}", "Venue code: {name}"],
    not_a_number: ["请输入数字", "Enter a number"],
    unavailable: ["此服务器暂未提供该功能", "This server does not offer this yet"],
    day: ["日期", "Day"],
    subject: ["对象", "Subject"],
    search: ["查询", "Search"],
    done: ["已完成：", "Done: "],
    bad_json: ["不是有效的 JSON", "Not valid JSON"],
  });

  var session = new Y.Session("console");
  var TABS = {
    reviewer: ["reviews", "appeals"],
    official: ["marks", "risk", "venues", "posts"],
    admin: ["audit"],
  };
  var STATUSES = ["confirmed", "close_contact", "secondary_contact", "cleared"];
  var CATEGORIES = ["case_report", "contact_tracing", "lab_result", "quarantine_order", "correction"];
  var LEVELS = ["high", "medium", "low"];
  var current = null;

  function token() { return session.token(); }
  function api(method, path, body) {
    return Y.call(method, path, { token: token(), body: body });
  }
  function flash(text) { $("flash").replaceChildren(text); }
  function fill(key, values) {
    return Y.t(key).replace(/\{(\w+)\}/g, function (_, name) { return values[name]; });
  }
  function when(iso) { return iso ? Y.localTime(new Date(iso), true) : ""; }
  /* An API error in words: the field's label before the API's message. */
  function problem(exc) {
    var field = exc.field ? (Y.t(exc.field) !== exc.field ? Y.t(exc.field) + "（" + exc.field + "）"
      : exc.field) + ": " : "";
    return field + exc.message;
  }

  // --- what the queues show: the person, their answers, their reasons --------------------

  /* A field the API does not send (an older server) reads as a dash, never as "none". */
  function unknown() { return Y.el("span", { class: "muted", text: "—" }); }

  /* The masked person ({name_masked, id_masked}); the name is null before they declared.
   * An older server sends only the person's id (`personId`), shown as it is. */
  function personCell(person, personId) {
    if (person === undefined) return personId ? Y.el("code", { text: personId }) : unknown();
    if (!person) return Y.el("span", { class: "muted", text: Y.t("no_person") });
    return Y.el("span", { class: "person" }, [
      Y.el("strong", { text: person.name_masked || Y.t("not_declared") }),
      person.id_masked ? Y.el("span", { class: "id-masked", text: person.id_masked }) : "",
    ].filter(Boolean));
  }

  function listOf(codes) {
    return (codes || []).map(Y.label).join(Y.t("sep"));
  }

  /* A declaration's answers as lines: 症状, 接触确诊病例, 14天内境外, 居住地. */
  function answersCell(answers) {
    if (answers === undefined) return unknown();
    if (!answers) return Y.el("span", { class: "muted", text: Y.t("no_answers") });
    var lines = [
      [Y.t("a_symptoms"), (answers.symptoms || []).length ? listOf(answers.symptoms) : Y.t("nothing"),
        (answers.symptoms || []).length > 0],
      [Y.t("a_contact"), Y.label(answers.contact_with_confirmed ? "yes" : "no"),
        !!answers.contact_with_confirmed],
      [Y.t("a_abroad"), Y.label(answers.abroad_14d ? "yes" : "no"), !!answers.abroad_14d],
    ];
    var list = Y.el("ul", { class: "facts" }, lines.map(function (line) {
      return Y.el("li", { class: line[2] ? "risk" : "" }, [line[0] + "：", Y.el("span", { text: line[1] })]);
    }));
    if (answers.residence_region) {
      list.appendChild(Y.el("li", {}, [Y.t("a_region") + "：", Y.regionText(answers.residence_region)]));
    }
    return list;
  }

  function reasonsCell(reasons) {
    if (reasons === undefined) return unknown();
    if (!reasons || !reasons.length) return Y.el("span", { class: "muted", text: Y.t("nothing") });
    return Y.el("ul", { class: "facts" }, reasons.map(function (r) {
      var text = Y.lang() === "en" ? (r.text_en || r.text || r.code) : (r.text || r.code);
      return Y.el("li", { class: "reason-" + (r.colour || "") }, [
        Y.el("span", { class: "dot dot-" + (r.colour || ""), "aria-hidden": "true" }),
        Y.label(r.colour) + " · " + text +
          (r.until ? " · " + Y.t("until_short") + " " + when(r.until) : ""),
      ]);
    }));
  }

  function withdrawsNote(withdraws) {
    if (!withdraws || !withdraws.length) return null;
    return Y.el("p", { class: "withdraw", text: Y.t("withdraws") + listOf(withdraws) });
  }

  /* The risk facts a person's latest answers declared: what an upheld appeal may withdraw. */
  function declaredFacts(answers) {
    if (!answers) return [];
    var facts = [];
    if (answers.abroad_14d) facts.push("abroad_14d");
    if (answers.contact_with_confirmed) facts.push("contact_with_confirmed");
    if ((answers.symptoms || []).length) facts.push("symptoms");
    return facts;
  }

  // --- the reason dialog ----------------------------------------------------------------

  var pending = null;
  function ask(title, fields, action, intro) {
    $("ask-title").textContent = title;
    var body = $("ask-body");
    body.replaceChildren();
    if (intro) body.appendChild(intro);
    fields.forEach(function (f, n) {
      var id = "ask-field-" + n;
      if (f.checks) {
        if (!f.checks.length) return;
        var set = Y.el("fieldset", { id: id }, [Y.el("legend", { text: f.label })]);
        f.checks.forEach(function (code, m) {
          var boxId = id + "-" + m;
          set.appendChild(Y.el("label", { for: boxId, class: "check" }, [
            Y.el("input", { type: "checkbox", id: boxId, name: f.name, value: code }), " " + Y.label(code),
          ]));
        });
        body.appendChild(set);
        return;
      }
      body.appendChild(Y.el("label", { for: id, text: f.label }));
      var input;
      if (f.options) {
        input = Y.el("select", { id: id, name: f.name });
        if (f.blank) input.appendChild(Y.el("option", { value: "", text: "—" }));
        f.options.forEach(function (o) { input.appendChild(Y.el("option", { value: o, text: Y.label(o) })); });
      } else if (f.multiline) {
        input = Y.el("textarea", { id: id, name: f.name, rows: f.rows || "3" });
      } else {
        input = Y.el("input", { id: id, name: f.name, autocomplete: "off" });
      }
      if (f.required !== false) input.required = true;
      if (f.value) input.value = f.value;
      body.appendChild(input);
    });
    $("ask-error").textContent = "";
    pending = action;
    $("ask").showModal();
    var first = body.querySelector("input, select, textarea");
    if (first) first.focus();
  }

  function fieldValues() {
    var values = {};
    $("ask-body").querySelectorAll("[name]").forEach(function (node) {
      if (node.type === "checkbox") {
        values[node.name] = values[node.name] || [];
        if (node.checked) values[node.name].push(node.value);
      } else {
        values[node.name] = node.value.trim();
      }
    });
    return values;
  }

  // --- tables, buttons, forms -------------------------------------------------------------

  /* A table whose headers are labels; a cell is text or a node. Each cell carries its
   * column's label (data-col), which narrow screens show as the rows stack into cards. */
  function table(columns, rows, actions) {
    if (!rows.length) return Y.el("p", { class: "muted", text: Y.t("empty") });
    var head = Y.el("tr", {}, columns.map(function (c) { return Y.el("th", { scope: "col", text: Y.t(c[0]) }); })
      .concat(actions ? [Y.el("th", { scope: "col", text: Y.t("col_actions") })] : []));
    var tbody = Y.el("tbody");
    rows.forEach(function (row) {
      var cells = columns.map(function (c) {
        var value = c[1](row);
        var cell = Y.el("td", { "data-col": Y.t(c[0]) });
        if (value instanceof Node) cell.appendChild(value);
        else cell.textContent = value === null || value === undefined ? "" : String(value);
        return cell;
      });
      if (actions) cells.push(Y.el("td", { class: "actions", "data-col": Y.t("col_actions") }, actions(row)));
      tbody.appendChild(Y.el("tr", {}, cells));
    });
    return Y.el("table", { class: "cards" }, [Y.el("thead", {}, [head]), tbody]);
  }

  function button(key, onClick, extra) {
    var b = Y.el("button", { type: "button", class: extra || "", text: Y.t(key) });
    b.addEventListener("click", onClick);
    return b;
  }

  function selectOf(id, name, codes) {
    var select = Y.el("select", { id: id, name: name });
    codes.forEach(function (o) { select.appendChild(Y.el("option", { value: o, text: Y.label(o) })); });
    return select;
  }

  function form(fields, submitKey, onSubmit) {
    var node = Y.el("form", { class: "stack" });
    var pickers = [];
    fields.forEach(function (f) {
      var id = "f-" + f.name;
      node.appendChild(Y.el("label", { for: id, text: Y.t(f.label) }));
      var input;
      if (f.options) {
        input = selectOf(id, f.name, f.options);
      } else if (f.region) {
        input = Y.regionPicker({ id: id, name: f.name, required: f.required, label: Y.t(f.label) });
        pickers.push(input);
      } else if (f.multiline) {
        input = Y.el("textarea", { id: id, name: f.name, rows: "6", spellcheck: "false" });
      } else {
        input = Y.el("input", { id: id, name: f.name, autocomplete: "off", type: f.type || "text" });
      }
      if (f.required && !f.region) input.required = true;
      node.appendChild(input);
    });
    node.appendChild(Y.el("button", { type: "submit", text: Y.t(submitKey) }));
    var error = Y.el("p", { class: "error", role: "alert" });
    node.appendChild(error);
    node.addEventListener("submit", async function (event) {
      event.preventDefault();
      var values = {};
      node.querySelectorAll("[name]").forEach(function (i) {
        if (i.value.trim()) values[i.name] = i.value.trim();
      });
      error.textContent = "";
      try {
        await onSubmit(values);
        node.reset();
        pickers.forEach(function (p) { p.reset(); });
      } catch (exc) {
        error.textContent = exc.status === 404 && exc.code === "not_found"
          ? Y.t("unavailable") : problem(exc);
      }
    });
    return node;
  }

  // --- the risk snapshot form: rows of division + area + level + since ---------------------

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  /* Now in Asia/Shanghai as a datetime-local value (the form's times are Beijing time). */
  function beijingLocal(date) {
    var d = new Date(date.getTime() + 8 * 3600 * 1000);
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + "T" +
      pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
  }
  function withOffset(local) { return local.length === 16 ? local + ":00+08:00" : local + "+08:00"; }
  function fromIso(iso) {
    var date = new Date(iso);
    return isNaN(date.getTime()) ? "" : beijingLocal(date);
  }

  function snapshotForm(onPushed) {
    var node = Y.el("form", { class: "stack snapshot", id: "snapshot-form" });
    node.appendChild(Y.el("p", { class: "muted", text: Y.t("snapshot_full") }));
    var head = Y.el("div", { class: "row" });
    var feedId = Y.el("input", { id: "s-feed_id", name: "feed_id", required: "", autocomplete: "off",
      pattern: "[A-Za-z0-9_.:-]{1,64}" });
    var published = Y.el("input", { id: "s-published_at", type: "datetime-local", step: "1",
      required: "" });
    head.appendChild(Y.el("label", { for: "s-feed_id", text: Y.t("feed_id") }));
    head.appendChild(feedId);
    head.appendChild(Y.el("label", { for: "s-published_at", text: Y.t("published_at") }));
    head.appendChild(published);
    node.appendChild(head);
    var rows = Y.el("ol", { class: "area-rows", id: "area-rows" });
    node.appendChild(rows);
    var count = 0;

    function addRow(area) {
      count += 1;
      var n = count;
      var row = Y.el("li", { class: "area-row", "data-row": String(n) });
      row.appendChild(Y.el("span", { class: "row-title", text: fill("row_n", { n: rows.children.length + 1 }) }));
      row.appendChild(Y.el("label", { for: "s-region-" + n, text: Y.t("region") }));
      var picker = Y.regionPicker({ id: "s-region-" + n, name: "region_code", required: true,
        value: area && area.region_code });
      row.appendChild(picker);
      row.appendChild(Y.el("label", { for: "s-area-" + n, text: Y.t("area_name") }));
      var name = Y.el("input", { id: "s-area-" + n, name: "area", autocomplete: "off", maxlength: "200" });
      if (area && area.area) name.value = area.area;
      row.appendChild(name);
      row.appendChild(Y.el("label", { for: "s-level-" + n, text: Y.t("level") }));
      var level = selectOf("s-level-" + n, "level", LEVELS);
      if (area && area.level) level.value = area.level;
      row.appendChild(level);
      row.appendChild(Y.el("label", { for: "s-since-" + n, text: Y.t("since") }));
      var since = Y.el("input", { id: "s-since-" + n, name: "since", type: "datetime-local", step: "1",
        required: "" });
      since.value = area && area.since ? fromIso(area.since) : published.value;
      row.appendChild(since);
      row.appendChild(button("remove_row", function () { row.remove(); }, "secondary"));
      rows.appendChild(row);
      return row;
    }
    /* A new snapshot (a fresh id, published now), with the areas of `snap` if given:
     * pasting the active snapshot's JSON and loading it is how an official edits it. */
    function reset(snap) {
      rows.replaceChildren();
      var now = new Date();
      feedId.value = "console-" + beijingLocal(now).replace(/[-:]/g, "");
      published.value = beijingLocal(now);
      ((snap && snap.areas) || [null]).forEach(addRow);
    }
    node.appendChild(button("add_row", function () { addRow(null); }, "secondary"));
    node.appendChild(Y.el("button", { type: "submit", id: "s-push", text: Y.t("push") }));
    var error = Y.el("p", { class: "error", role: "alert" });
    node.appendChild(error);
    node.addEventListener("submit", async function (event) {
      event.preventDefault();
      error.textContent = "";
      var areas = Array.prototype.map.call(rows.children, function (row) {
        var area = {
          region_code: row.querySelector("[name=region_code]").value.trim(),
          level: row.querySelector("[name=level]").value,
          since: withOffset(row.querySelector("[name=since]").value),
        };
        var name = row.querySelector("[name=area]").value.trim();
        if (name) area.area = name;
        return area;
      });
      if (!areas.length) { error.textContent = Y.t("no_rows"); return; }
      var snap = { feed_id: feedId.value.trim(), published_at: withOffset(published.value),
        areas: areas };
      try {
        await onPushed(snap);
        reset(null);
      } catch (exc) {
        error.textContent = problem(exc);
      }
    });
    node.load = reset;
    reset(null);
    return node;
  }

  function feedReport(report) {
    return report.feed_id + " · " + Y.label(report.state) +
      (report.raised !== undefined ? " · " + fill("feed_report", { raised: report.raised,
        lowered: report.lowered, lifted: report.lifted, people: report.people_recoloured }) : "");
  }

  // --- venues: what registering one gives --------------------------------------------------

  function venueResult(venue) {
    var base = "venues/" + encodeURIComponent(venue.id) + "/poster";
    var links = Y.el("ul", { class: "links" }, [["pdf", "poster_pdf"], ["png", "poster_png"],
      ["svg", "poster_svg"]].map(function (p) {
      return Y.el("li", {}, [Y.el("a", { href: Y.apiUrl(base + "." + p[0]), target: "_blank",
        rel: "noopener", id: "poster-" + p[0], text: Y.t(p[1]) })]);
    }));
    var facts = Y.el("dl", { class: "facts-list" }, [
      Y.el("dt", { text: Y.t("venue_name") }), Y.el("dd", { id: "venue-name", text: venue.name }),
      Y.el("dt", { text: Y.t("venue_id") }), Y.el("dd", {}, [Y.el("code", { id: "venue-id", text: venue.id })]),
      Y.el("dt", { text: Y.t("venue_kind") }), Y.el("dd", { text: Y.label(venue.kind) }),
      Y.el("dt", { text: Y.t("region_code") }), Y.el("dd", {}, [Y.regionText(venue.region_code)]),
      Y.el("dt", { text: Y.t("address") }), Y.el("dd", { text: venue.address }),
    ]);
    return Y.el("section", { class: "venue-result", id: "venue-result", "aria-labelledby": "venue-done" }, [
      Y.el("h3", { id: "venue-done", text: Y.t("venue_done") }),
      Y.el("div", { class: "venue-grid" }, [
        Y.el("div", {}, [facts, links]),
        Y.el("img", { src: Y.apiUrl(base + ".png"), id: "poster-img", class: "poster",
          alt: fill("poster_alt", { name: venue.name }), width: "200", height: "200" }),
      ]),
    ]);
  }

  // --- sections -----------------------------------------------------------------------

  var sections = {
    reviews: async function (view) {
      var page = await api("GET", "admin/reviews");
      view.appendChild(table([
        ["col_submitted", function (r) { return when(r.submitted_at); }],
        ["col_person", function (r) { return personCell(r.person); }],
        ["col_answers", function (r) {
          var cell = Y.el("div");
          var note = withdrawsNote(r.withdraws);
          if (note) cell.appendChild(note);
          cell.appendChild(answersCell(r.answers));
          return cell;
        }],
        ["col_review_reasons", function (r) { return listOf(r.review_reasons); }],
        ["col_reasons", function (r) { return reasonsCell(r.reasons); }],
      ], page.items || [], function (row) {
        return ["approve", "reject"].map(function (decision) {
          return button(decision, function () {
            var who = (row.person && row.person.name_masked) || row.id;
            var intro = Y.el("div", {}, [withdrawsNote(row.withdraws),
              Y.el("p", { text: Y.t("col_review_reasons") + "：" + listOf(row.review_reasons) }),
              answersCell(row.answers), reasonsCell(row.reasons)].filter(Boolean));
            ask(Y.t(decision) + " · " + who, [{ name: "note", label: Y.t("note"), multiline: true }],
              async function (v) {
                var done = await api("POST", "admin/reviews/" + encodeURIComponent(row.id),
                  { decision: decision, note: v.note });
                return Y.t(decision) + " · " + who + " · " + Y.label(done.status) + " · " +
                  Y.label(done.colour);
              }, intro);
          }, decision === "reject" ? "danger" : "");
        });
      }));
    },

    appeals: async function (view) {
      var page = await api("GET", "admin/appeals");
      view.appendChild(table([
        ["col_submitted", function (r) { return when(r.created_at); }],
        ["col_person", function (r) { return personCell(r.person); }],
        ["col_appeal", function (r) { return r.reason; }],
        ["col_colour", function (r) { return Y.label(r.colour); }],
        ["col_reasons", function (r) { return reasonsCell(r.reasons); }],
        ["col_latest", function (r) { return answersCell(r.answers); }],
      ], page.items || [], function (row) {
        return [button("answer", function () {
          var who = (row.person && row.person.name_masked) || row.id;
          ask(Y.t("answer") + " · " + who, [
            { name: "outcome", label: Y.t("outcome"), options: ["upheld", "dismissed"] },
            { name: "answer", label: Y.t("answer_text"), multiline: true },
            { name: "withdraw", label: Y.t("withdraw_pick"), checks: declaredFacts(row.answers) },
          ], async function (v) {
            var body = { outcome: v.outcome, answer: v.answer };
            var withdraw = v.withdraw || [];
            if (withdraw.length && v.outcome !== "upheld") throw new Error(Y.t("withdraw_only_upheld"));
            if (withdraw.length) body.withdraw = withdraw;
            var done = await api("POST", "admin/appeals/" + encodeURIComponent(row.id), body);
            return Y.t("answer") + " · " + who + " · " + Y.label(done.state) +
              ((done.withdrawn || []).length ? " · " + Y.t("withdrawn") + listOf(done.withdrawn) : "");
          }, Y.el("p", { class: "quote", text: row.reason }));
        })];
      }));
    },

    marks: async function (view) {
      view.appendChild(Y.el("h3", { text: Y.t("new_mark") }));
      view.appendChild(form([
        { name: "id_number", label: "id_number", required: true },
        { name: "status", label: "status", options: STATUSES },
        { name: "category", label: "category", options: CATEGORIES },
        { name: "contact_date", label: "contact_date", type: "date" },
        { name: "note", label: "mark_note", multiline: true, required: true },
      ], "request", async function (values) {
        var mark = await api("POST", "admin/status", values);
        flash(Y.t("done") + mark.id + " · " + Y.label(mark.status) + " · " + Y.label(mark.state));
        show("marks");
      }));
      view.appendChild(Y.el("h3", { text: Y.t("queue") }));
      var page = await api("GET", "admin/status");
      view.appendChild(table([
        ["col_person", function (r) { return personCell(r.person_masked, r.person); }],
        ["status", function (r) { return Y.label(r.status); }],
        ["category", function (r) { return Y.label(r.category); }],
        ["col_note", function (r) { return r.note; }],
        ["col_contact_date", function (r) { return r.contact_date || ""; }],
        ["col_reasons", function (r) { return reasonsCell(r.reasons); }],
        ["requested_by", function (r) { return r.requested_by; }],
        ["requested_at", function (r) { return when(r.requested_at); }],
      ], page.items || [], function (row) {
        return [button("approve_mark", function () {
          var who = (row.person_masked && row.person_masked.name_masked) || Y.t("not_declared");
          ask(Y.t("approve_mark") + " · " + who + " · " + Y.label(row.status), [
            { name: "category", label: Y.t("approve_check"), blank: true, options: CATEGORIES },
          ], async function (v) {
            if (v.category !== row.category) throw new Error(Y.t("approve_mismatch"));
            var done = await api("POST", "admin/status/" + encodeURIComponent(row.id) + "/approve",
              { category: v.category });
            return who + " · " + Y.label(done.status) + " · " + Y.label(done.state);
          }, Y.el("div", {}, [personCell(row.person_masked, row.person),
            Y.el("p", { class: "quote", text: row.note }),
            Y.el("p", { class: "muted", text: Y.t("col_reasons") + "：" }), reasonsCell(row.reasons)]));
        })];
      }));
    },

    risk: async function (view) {
      view.appendChild(Y.el("h3", { text: Y.t("snapshot_form") }));
      var rows = snapshotForm(async function (snap) {
        var report = await api("POST", "feeds/risk-areas", snap);
        flash(Y.t("done") + feedReport(report));
        show("risk");
      });
      view.appendChild(rows);

      view.appendChild(Y.el("h3", { text: Y.t("snapshot_json") }));
      var file = Y.el("input", { type: "file", id: "f-snapshot-file", accept: "application/json,.json" });
      var text = Y.el("textarea", { id: "f-snapshot", name: "snapshot", rows: "6", spellcheck: "false" });
      file.addEventListener("change", async function () {
        if (file.files && file.files[0]) text.value = await file.files[0].text();
      });
      var jsonError = Y.el("p", { class: "error", role: "alert" });
      function parsed() {
        try { return JSON.parse(text.value); } catch (exc) { throw new Error(Y.t("bad_json")); }
      }
      var jsonForm = Y.el("form", { class: "stack", id: "snapshot-json" }, [
        Y.el("label", { for: "f-snapshot-file", text: Y.t("json_file") }), file,
        Y.el("label", { for: "f-snapshot", text: Y.t("snapshot") }), text,
        Y.el("div", { class: "row" }, [
          Y.el("button", { type: "submit", text: Y.t("push_json") }),
          button("load_rows", function () {
            jsonError.textContent = "";
            try { rows.load(parsed()); } catch (exc) { jsonError.textContent = exc.message; }
          }, "secondary"),
        ]),
        jsonError,
      ]);
      jsonForm.addEventListener("submit", async function (event) {
        event.preventDefault();
        jsonError.textContent = "";
        try {
          var report = await api("POST", "feeds/risk-areas", parsed());
          flash(Y.t("done") + feedReport(report));
          show("risk");
        } catch (exc) {
          jsonError.textContent = problem(exc);
        }
      });
      view.appendChild(jsonForm);

      view.appendChild(Y.el("h3", { text: Y.t("held") }));
      // every held snapshot, the scheduled pull's too, with what confirming would change
      var held = await api("GET", "admin/risk-feeds?state=held&limit=100");
      view.appendChild(table([
        ["feed_id", function (r) { return r.feed_id; }],
        ["published", function (r) { return when(r.published_at); }],
        ["why_held", function (r) { return Y.t("why_" + r.why); }],
        ["would_lift", function (r) { return r.would_lift; }],
        ["would_raise", function (r) { return r.would_raise; }],
        ["would_lower", function (r) { return r.would_lower; }],
      ], held.items || [], function (row) {
        return [button("confirm", function () { confirmFeed(row.feed_id); })];
      }));
      view.appendChild(form([{ name: "feed_id", label: "feed_id", required: true }], "confirm",
        async function (values) { confirmFeed(values.feed_id); }));

      view.appendChild(Y.el("h3", { text: Y.t("policy") }));
      view.appendChild(form([
        { name: "policy_region", label: "region", region: true, required: true },
        { name: "text", label: "policy_text", multiline: true, required: true },
      ], "save", async function (values) {
        var region = await api("PUT", "admin/regions/" + encodeURIComponent(values.policy_region) +
          "/policy", { text: values.text });
        flash(Y.t("done") + Y.t("policy") + " · " + region.name + "（" + region.code + "）");
      }));
    },

    venues: async function (view) {
      var result = Y.el("div", { id: "venue-slot" });
      view.appendChild(form([
        { name: "name", label: "venue_name", required: true },
        { name: "region_code", label: "region_code", region: true, required: true },
        { name: "address", label: "address", required: true },
        { name: "kind", label: "venue_kind", options: VENUE_KINDS, required: true },
        { name: "lat", label: "lat", required: true },
        { name: "lng", label: "lng", required: true },
      ], "register", async function (values) {
        ["lat", "lng"].forEach(function (name) {
          var number = Number(values[name]);
          if (values[name] === undefined || !isFinite(number)) {
            var refused = new Error(Y.t("not_a_number"));
            refused.field = name;
            throw refused;
          }
          values[name] = number;
        });
        var venue = await api("POST", "admin/venues", values);
        flash(Y.t("done") + Y.t("venue_done") + " · " + venue.name + " · " + venue.id);
        result.replaceChildren(venueResult(venue));
      }));
      view.appendChild(result);
    },

    // A checkpoint scans where an official posted it (issue 29): post an account at a
    // registered venue, list an account's posts, end one.
    posts: async function (view) {
      var results = Y.el("div", { id: "posts" });
      async function list(userId) {
        var page = await api("GET", "admin/assignments?user_id=" + encodeURIComponent(userId));
        results.replaceChildren(table([
          ["col_id", function (r) { return r.id; }],
          ["venue_id", function (r) { return r.venue_id; }],
          ["region_code", function (r) { return Y.regionText(r.region_code); }],
          ["col_assigned_at", function (r) { return when(r.assigned_at); }],
        ], page.items || [], function (row) {
          return [button("end_post", function () {
            ask(Y.t("end_post") + " " + row.id + " · " + row.venue_id, [], async function () {
              await api("DELETE", "admin/assignments/" + encodeURIComponent(row.id));
              await list(row.user_id);
              return Y.t("end_post") + " " + row.id;
            });
          }, "danger")];
        }));
      }
      view.appendChild(form([
        { name: "user_id", label: "checkpoint_account", required: true },
        { name: "venue_id", label: "venue_id", required: true },
      ], "assign", async function (values) {
        var post = await api("POST", "admin/assignments", values);
        flash(Y.t("done") + post.id + " · " + post.user_id + " → " + post.venue_id);
        await list(post.user_id);
      }));
      view.appendChild(Y.el("h3", { text: Y.t("posts_of") }));
      view.appendChild(form([
        { name: "posted_user", label: "checkpoint_account", required: true },
      ], "search", async function (values) { await list(values.posted_user); }));
      view.appendChild(results);
    },

    audit: async function (view) {
      var results = Y.el("div");
      view.appendChild(form([
        { name: "day", label: "day", type: "date" },
        { name: "subject", label: "subject" },
      ], "search", async function (values) {
        var query = new URLSearchParams(values).toString();
        var page = await api("GET", "admin/audit" + (query ? "?" + query : ""));
        results.replaceChildren(table([
          ["col_at", function (r) { return when(r.at); }],
          ["col_actor", function (r) { return r.actor + "（" + Y.label(r.actor_role) + "）"; }],
          ["col_action", function (r) { return Y.label(r.action); }],
          ["subject", function (r) { return r.subject; }],
          ["col_reason", function (r) { return r.reason; }],
        ], page.items || []));
      }));
      view.appendChild(results);
    },
  };

  function confirmFeed(feedId) {
    ask(Y.t("confirm") + " " + feedId, [
      { name: "typed", label: Y.t("type_feed_id") },
      { name: "reason", label: Y.t("note"), multiline: true },
    ], async function (v) {
        if (v.typed !== feedId) throw new Error(Y.t("feed_mismatch"));
        var report = await api("POST", "feeds/risk-areas/" + encodeURIComponent(feedId) + "/confirm",
          { reason: v.reason });
        return feedReport(report);
      });
  }

  async function show(name) {
    current = name;
    $("tabs").querySelectorAll("button").forEach(function (b) {
      b.setAttribute("aria-selected", b.getAttribute("data-tab") === name ? "true" : "false");
    });
    var view = $("view");
    view.hidden = false;
    view.replaceChildren(Y.el("h2", { text: Y.t("tab_" + name) }));
    try {
      await sections[name](view);
    } catch (exc) {
      if (exc.status === 401) { signOut(); return; }
      view.appendChild(Y.el("p", { class: "error", role: "alert",
        text: exc.status === 404 ? Y.t("unavailable") : exc.message }));
    }
  }

  function enter() {
    var role = session.role();
    if (STAFF.indexOf(role) < 0) {
      session.clear();
      $("signin").hidden = false;
      $("signin-error").textContent = Y.t("not_staff");
      return;
    }
    $("signin").hidden = true;
    $("who").textContent = Y.label(role);
    $("sign-out").hidden = false;
    var tabs = $("tabs");
    tabs.replaceChildren();
    TABS[role].forEach(function (name) {
      var b = Y.el("button", { type: "button", role: "tab", "data-tab": name, id: "tab-" + name,
        "aria-selected": "false", text: Y.t("tab_" + name) });
      b.addEventListener("click", function () { show(name); });
      tabs.appendChild(b);
    });
    tabs.hidden = false;
    show(TABS[role][0]);
  }

  function signOut() {
    session.clear();
    $("tabs").hidden = true;
    $("view").hidden = true;
    $("sign-out").hidden = true;
    $("who").textContent = "";
    $("signin").hidden = false;
  }

  async function start() {
    Y.applyWords();
    Y.startClock($("clock"));
    $("lang").addEventListener("click", function () {
      Y.setLang(Y.lang() === "zh" ? "en" : "zh");
      if (current) show(current);
    });
    $("sign-out").addEventListener("click", signOut);
    $("ask-cancel").addEventListener("click", function () { $("ask").close(); });
    $("ask-form").addEventListener("submit", async function (event) {
      event.preventDefault();
      try {
        var message = await pending(fieldValues());
        $("ask").close();
        flash(Y.t("done") + message);
        if (current) show(current);
      } catch (exc) {
        $("ask-error").textContent = problem(exc);
      }
    });
    $("token-login").addEventListener("submit", async function (event) {
      event.preventDefault();
      var text = $("token-text").value.trim();
      $("token-text").value = "";
      try {
        var me = await Y.call("POST", "auth/page-code", { token: text, body: { page: "console" } });
        var opened = await Y.call("POST", "auth/page-session", { body: { code: me.code } });
        session.save(opened);
        enter();
      } catch (exc) {
        $("signin-error").textContent = exc.message;
      }
    });
    $("dev-login").addEventListener("submit", async function (event) {
      event.preventDefault();
      try {
        await session.devLogin($("dev-subject").value, $("dev-role").value);
        enter();
      } catch (exc) {
        $("signin-error").textContent = exc.status === 404 ? Y.t("open_from_app") : exc.message;
      }
    });
    try { await session.fromFragment(); } catch (exc) { $("signin-error").textContent = exc.message; }
    if (session.token()) enter(); else $("signin").hidden = false;
  }

  start();
})();
