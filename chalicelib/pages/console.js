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
    tab_risk: ["风险地区快照", "Risk snapshots"],
    tab_venues: ["场所登记", "Venues"],
    tab_posts: ["卡口岗位", "Checkpoint posts"],
    checkpoint_account: ["卡口账号（登录返回的 user.id）", "Checkpoint account (user.id from its login)"],
    venue_id: ["场所编号", "Venue id"],
    assign: ["派驻", "Post"],
    posts_of: ["查询账号的岗位", "Posts of an account"],
    end_post: ["结束岗位", "End post"],
    tab_audit: ["审计日志", "Audit log"],
    empty: ["暂无", "Nothing here"],
    approve: ["通过", "Approve"],
    reject: ["驳回", "Reject"],
    answer: ["答复", "Answer"],
    confirm: ["确认生效", "Confirm"],
    note: ["理由（必填）", "Reason (required)"],
    new_mark: ["申请状态标记（需另一名官员批准）", "Request a status mark (a second official approves)"],
    id_number: ["身份证号", "ID number"],
    status: ["状态", "Status"],
    category: ["流调原因", "Epidemic reason"],
    contact_date: ["接触日期（密接/次密接必填）", "Contact date (contacts only)"],
    request: ["提交申请", "Request"],
    queue: ["待批准", "Awaiting approval"],
    requested_by: ["申请人", "Requested by"],
    approve_check: ["请再次选择该申请的流调原因以确认", "Pick the request's epidemic reason again to confirm"],
    approve_mismatch: ["所选原因与申请不一致", "That is not the request's reason"],
    outcome: ["结论", "Outcome"],
    upheld: ["申诉成立", "Upheld"],
    dismissed: ["申诉不成立", "Dismissed"],
    push: ["发布快照", "Push snapshot"],
    snapshot: ["快照 JSON", "Snapshot JSON"],
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
    venue_name: ["场所名称", "Venue name"],
    region_code: ["区划代码", "Division code"],
    address: ["地址", "Address"],
    register: ["登记", "Register"],
    venue_kind: ["场所类型", "Kind of venue"],
    lat: ["纬度", "Latitude"],
    lng: ["经度", "Longitude"],
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
  var current = null;

  function token() { return session.token(); }
  function api(method, path, body) {
    return Y.call(method, path, { token: token(), body: body });
  }
  function flash(text) { $("flash").textContent = text; }

  // --- the reason dialog ----------------------------------------------------------------

  var pending = null;
  function ask(title, fields, action) {
    $("ask-title").textContent = title;
    var body = $("ask-body");
    body.replaceChildren();
    fields.forEach(function (f, n) {
      var id = "ask-field-" + n;
      body.appendChild(Y.el("label", { for: id, text: f.label }));
      var input;
      if (f.options) {
        input = Y.el("select", { id: id, name: f.name });
        if (f.blank) input.appendChild(Y.el("option", { value: "", text: "—" }));
        f.options.forEach(function (o) { input.appendChild(Y.el("option", { value: o, text: o })); });
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
      values[node.name] = node.value.trim();
    });
    return values;
  }

  // --- sections -----------------------------------------------------------------------

  function table(columns, rows, actions) {
    if (!rows.length) return Y.el("p", { class: "muted", text: Y.t("empty") });
    var head = Y.el("tr", {}, columns.map(function (c) { return Y.el("th", { scope: "col", text: c[0] }); })
      .concat(actions ? [Y.el("th", { scope: "col", text: "" })] : []));
    var tbody = Y.el("tbody");
    rows.forEach(function (row) {
      var cells = columns.map(function (c) {
        var value = c[1](row);
        return Y.el("td", { text: value === null || value === undefined ? "" : String(value) });
      });
      if (actions) cells.push(Y.el("td", {}, actions(row)));
      tbody.appendChild(Y.el("tr", {}, cells));
    });
    return Y.el("table", {}, [Y.el("thead", {}, [head]), tbody]);
  }

  function button(key, onClick, extra) {
    var b = Y.el("button", { type: "button", class: extra || "", text: Y.t(key) });
    b.addEventListener("click", onClick);
    return b;
  }

  function form(fields, submitKey, onSubmit) {
    var node = Y.el("form", { class: "stack" });
    fields.forEach(function (f) {
      var id = "f-" + f.name;
      node.appendChild(Y.el("label", { for: id, text: Y.t(f.label) }));
      var input;
      if (f.options) {
        input = Y.el("select", { id: id, name: f.name });
        f.options.forEach(function (o) { input.appendChild(Y.el("option", { value: o, text: o })); });
      } else if (f.multiline) {
        input = Y.el("textarea", { id: id, name: f.name, rows: "6", spellcheck: "false" });
      } else {
        input = Y.el("input", { id: id, name: f.name, autocomplete: "off" });
      }
      if (f.required) input.required = true;
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
      } catch (exc) {
        error.textContent = exc.status === 404 && exc.code === "not_found"
          ? Y.t("unavailable") : (exc.field ? exc.field + ": " : "") + exc.message;
      }
    });
    return node;
  }

  var sections = {
    reviews: async function (view) {
      var page = await api("GET", "admin/reviews");
      view.appendChild(table([
        ["id", function (r) { return r.id; }],
        ["review_reasons", function (r) { return (r.review_reasons || []).join(", "); }],
        ["submitted", function (r) { return Y.localTime(new Date(r.submitted_at), true); }],
      ], page.items || [], function (row) {
        return ["approve", "reject"].map(function (decision) {
          return button(decision, function () {
            ask(Y.t(decision) + " " + row.id, [{ name: "note", label: Y.t("note"), multiline: true }],
              async function (v) {
                await api("POST", "admin/reviews/" + encodeURIComponent(row.id),
                  { decision: decision, note: v.note });
                return Y.t(decision) + " " + row.id;
              });
          }, decision === "reject" ? "danger" : "");
        });
      }));
    },

    appeals: async function (view) {
      var page = await api("GET", "admin/appeals");
      view.appendChild(table([
        ["id", function (r) { return r.id; }],
        ["reason", function (r) { return r.reason; }],
        ["colour", function (r) { return r.colour; }],
      ], page.items || [], function (row) {
        return [button("answer", function () {
          ask(Y.t("answer") + " " + row.id, [
            { name: "outcome", label: Y.t("outcome"), options: ["upheld", "dismissed"] },
            { name: "answer", label: Y.t("note"), multiline: true },
          ], async function (v) {
            await api("POST", "admin/appeals/" + encodeURIComponent(row.id),
              { outcome: v.outcome, answer: v.answer });
            return Y.t("answer") + " " + row.id;
          });
        })];
      }));
    },

    marks: async function (view) {
      view.appendChild(Y.el("h3", { text: Y.t("new_mark") }));
      view.appendChild(form([
        { name: "id_number", label: "id_number", required: true },
        { name: "status", label: "status",
          options: ["confirmed", "close_contact", "secondary_contact", "cleared"] },
        { name: "category", label: "category",
          options: ["case_report", "contact_tracing", "lab_result", "quarantine_order", "correction"] },
        { name: "contact_date", label: "contact_date" },
        { name: "note", label: "note", multiline: true, required: true },
      ], "request", async function (values) {
        var mark = await api("POST", "admin/status", values);
        flash(Y.t("done") + mark.id + " · " + mark.state);
        show("marks");
      }));
      view.appendChild(Y.el("h3", { text: Y.t("queue") }));
      var page = await api("GET", "admin/status");
      view.appendChild(table([
        ["id", function (r) { return r.id; }],
        [Y.t("status"), function (r) { return r.status; }],
        [Y.t("category"), function (r) { return r.category; }],
        [Y.t("note"), function (r) { return r.note; }],
        [Y.t("requested_by"), function (r) { return r.requested_by; }],
      ], page.items || [], function (row) {
        return [button("approve", function () {
          ask(Y.t("approve") + " " + row.id + " · " + row.status + " · " + row.note, [
            { name: "category", label: Y.t("approve_check"), blank: true,
              options: ["case_report", "contact_tracing", "lab_result", "quarantine_order",
                "correction"] },
          ], async function (v) {
            if (v.category !== row.category) throw new Error(Y.t("approve_mismatch"));
            var done = await api("POST", "admin/status/" + encodeURIComponent(row.id) + "/approve",
              { category: v.category });
            return done.id + " · " + done.state +
              (done.people_recoloured !== undefined ? " · " + done.people_recoloured : "");
          });
        })];
      }));
    },

    risk: async function (view) {
      view.appendChild(form([
        { name: "snapshot", label: "snapshot", multiline: true, required: true },
      ], "push", async function (values) {
        var document;
        try { document = JSON.parse(values.snapshot); } catch (exc) { throw new Error(Y.t("bad_json")); }
        var report = await api("POST", "feeds/risk-areas", document);
        flash(Y.t("done") + report.feed_id + " · " + report.state);
        show("risk");
      }));
      view.appendChild(Y.el("h3", { text: Y.t("held") }));
      // every held snapshot, the scheduled pull's too, with what confirming would change
      var held = await api("GET", "admin/risk-feeds?state=held&limit=100");
      view.appendChild(table([
        [Y.t("feed_id"), function (r) { return r.feed_id; }],
        [Y.t("published"), function (r) { return Y.localTime(new Date(r.published_at), true); }],
        [Y.t("why_held"), function (r) { return Y.t("why_" + r.why); }],
        [Y.t("would_lift"), function (r) { return r.would_lift; }],
        [Y.t("would_raise"), function (r) { return r.would_raise; }],
        [Y.t("would_lower"), function (r) { return r.would_lower; }],
      ], held.items || [], function (row) {
        return [button("confirm", function () { confirmFeed(row.feed_id); })];
      }));
      view.appendChild(form([{ name: "feed_id", label: "feed_id", required: true }], "confirm",
        async function (values) { confirmFeed(values.feed_id); }));
    },

    venues: async function (view) {
      view.appendChild(form([
        { name: "name", label: "venue_name", required: true },
        { name: "region_code", label: "region_code", required: true },
        { name: "address", label: "address", required: true },
        { name: "kind", label: "venue_kind", options: VENUE_KINDS, required: true },
        { name: "lat", label: "lat", required: true },
        { name: "lng", label: "lng", required: true },
      ], "register", async function (values) {
        ["lat", "lng"].forEach(function (name) {
          var number = Number(values[name]);
          if (values[name] === undefined || !isFinite(number)) {
            var problem = new Error(Y.t("not_a_number"));
            problem.field = name;
            throw problem;
          }
          values[name] = number;
        });
        var venue = await api("POST", "admin/venues", values);
        flash(Y.t("done") + venue.id + " · " + venue.name);
      }));
    },

    // A checkpoint scans where an official posted it (issue 29): post an account at a
    // registered venue, list an account's posts, end one.
    posts: async function (view) {
      var results = Y.el("div", { id: "posts" });
      async function list(userId) {
        var page = await api("GET", "admin/assignments?user_id=" + encodeURIComponent(userId));
        results.replaceChildren(table([
          ["id", function (r) { return r.id; }],
          [Y.t("venue_id"), function (r) { return r.venue_id; }],
          [Y.t("region_code"), function (r) { return r.region_code; }],
          ["assigned_at", function (r) { return Y.localTime(new Date(r.assigned_at), true); }],
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
        { name: "day", label: "day" },
        { name: "subject", label: "subject" },
      ], "search", async function (values) {
        var query = new URLSearchParams(values).toString();
        var page = await api("GET", "admin/audit" + (query ? "?" + query : ""));
        results.replaceChildren(table([
          ["at", function (r) { return Y.localTime(new Date(r.at), true); }],
          ["actor", function (r) { return r.actor + " (" + r.actor_role + ")"; }],
          ["action", function (r) { return r.action; }],
          ["subject", function (r) { return r.subject; }],
          ["reason", function (r) { return r.reason; }],
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
        return report.feed_id + " · " + report.state;
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
    $("who").textContent = role;
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
        $("ask-error").textContent = (exc.field ? exc.field + ": " : "") + exc.message;
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
