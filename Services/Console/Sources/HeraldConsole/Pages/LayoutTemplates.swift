/// The page frame, the sign-in page, the style sheet and the live tail's script. Templates are
/// string constants so the executable needs no resource files beside it.
enum LayoutTemplates {
    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Herald console</title>
        <link rel="stylesheet" href="/assets/console.css">
        </head>
        <body>
        <a class="skip" href="#main">Skip to content</a>
        <header>
        <span class="brand">Herald</span>
        {{#signedIn}}
        <nav aria-label="Pages">
        <a href="/">Overview</a>
        {{#controls.showsSchemas}}<a href="/schemas">Schemas</a>{{/controls.showsSchemas}}
        {{#controls.showsRoutes}}<a href="/routes">Routes</a>{{/controls.showsRoutes}}
        {{#controls.showsEndpoints}}<a href="/endpoints">Endpoints</a>{{/controls.showsEndpoints}}
        {{#controls.showsDeliveries}}<a href="/deliveries">Deliveries</a><a href="/tail">Live tail</a><a href="/dead-letters">Dead letters</a>{{/controls.showsDeliveries}}
        </nav>
        <form class="signout" method="post" action="/signout">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <span>key {{keyID}}</span>
        <button type="submit">Sign out</button>
        </form>
        {{/signedIn}}
        </header>
        <main id="main">
        <h1>{{title}}</h1>
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        {{{body}}}
        </main>
        </body>
        </html>
        """

    static let signIn = """
        <form method="post" action="/signin" class="card">
        <label for="key">API key</label>
        <input id="key" name="key" type="password" autocomplete="off" required placeholder="hk_…">
        <button type="submit">Sign in</button>
        </form>
        <p>The key stays on the console's server for the session; every page calls Herald's services with it,
        so you see and change only what its scopes allow.</p>
        """

    static let css = """
        :root { font-family: system-ui, sans-serif; color: #1b1f24; background: #f6f7f9; }
        body { margin: 0; }
        header { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; padding: .6rem 1rem; background: #1f2a44; color: #fff; }
        header a { color: #fff; }
        .brand { font-weight: 700; }
        nav { display: flex; flex-wrap: wrap; gap: .25rem .9rem; }
        .signout { margin-left: auto; display: flex; gap: .5rem; align-items: center; }
        main { padding: 1rem; max-width: 1200px; margin: 0 auto; }
        a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible {
          outline: 3px solid #f5a623; outline-offset: 2px; }
        .skip { position: absolute; left: -999px; }
        .skip:focus { left: .5rem; top: .5rem; background: #fff; color: #000; padding: .3rem; }
        table { border-collapse: collapse; width: 100%; background: #fff; }
        th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #dde1e6; vertical-align: top; overflow-wrap: anywhere; }
        form.card, .card { background: #fff; padding: 1rem; border: 1px solid #dde1e6; border-radius: 6px; margin-bottom: 1rem; }
        form.card { display: grid; grid-template-columns: minmax(8rem, max-content) 1fr; gap: .5rem 1rem; align-items: center; max-width: 48rem; }
        form.card button { grid-column: 2; justify-self: start; }
        form.inline { display: inline; }
        input, select, textarea, button { font: inherit; padding: .3rem .5rem; }
        button { cursor: pointer; }
        .notice { background: #e3f4e1; padding: .5rem; }
        .error { background: #fbe3e1; padding: .5rem; }
        .state-SUCCEEDED { color: #1c7a2e; } .state-DEAD { color: #b3261e; } .state-RETRYING { color: #9a6700; }
        table.diff pre { margin: 0; padding: 0 .3rem; background: none; font-size: .85rem; }
        tr.diff-removed td:first-child { background: #fbe3e1; } tr.diff-added td:last-child { background: #e3f4e1; }
        svg.chart { width: 100%; height: auto; background: #fff; border: 1px solid #dde1e6; }
        rect.succeeded { fill: #2e8540; } rect.retrying { fill: #d9a400; } rect.dead { fill: #b3261e; }
        polyline.p50 { stroke: #1f5fa8; stroke-width: 2; } polyline.p99 { stroke: #b3261e; stroke-width: 2; }
        .legend .p50 { color: #1f5fa8; } .legend .p99 { color: #b3261e; }
        dd.unavailable { color: #5f6b7a; }
        .legend span { margin-right: 1rem; } .legend .succeeded { color: #2e8540; } .legend .retrying { color: #9a6700; } .legend .dead { color: #b3261e; }
        pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #fff; padding: .5rem; }
        @media (max-width: 640px) {
          form.card { grid-template-columns: 1fr; }
          form.card button { grid-column: 1; }
          table, thead, tbody, tr, th, td { display: block; }
          thead { position: absolute; left: -999px; }
          table.diff, table.diff tbody, table.diff tr { display: table; width: 100%; } table.diff td { display: table-cell; width: 50%; }
          td { border: none; } tr { border-bottom: 1px solid #dde1e6; padding: .3rem 0; }
          td[data-label]::before { content: attr(data-label) ": "; font-weight: 600; }
        }
        """

    /// The live tail: each server-sent event is one delivery record as JSON, prepended as a row.
    static let tailScript = """
        (function () {
          var rows = document.getElementById('tail-rows');
          var status = document.getElementById('tail-status');
          var filter = document.getElementById('tail-endpoint');
          var source;
          function cell(row, label, text, className) {
            var td = document.createElement('td');
            td.setAttribute('data-label', label);
            td.textContent = text;
            if (className) td.className = className;
            row.appendChild(td);
          }
          function open() {
            if (source) source.close();
            var url = '/tail/events' + (filter.value ? '?endpoint=' + encodeURIComponent(filter.value) : '');
            source = new EventSource(url);
            source.onopen = function () { status.textContent = 'Connected: new deliveries appear at the top.'; };
            source.onerror = function () { status.textContent = 'Disconnected; reconnecting…'; };
            source.addEventListener('delivery', function (message) {
              var record = JSON.parse(message.data);
              var row = document.createElement('tr');
              row.className = 'tail-row';
              cell(row, 'Updated', record.updated_at || '');
              var link = document.createElement('a');
              link.href = '/deliveries/' + encodeURIComponent(record.delivery_id);
              link.textContent = record.event_source + ' #' + record.event_id;
              var event = document.createElement('td');
              event.setAttribute('data-label', 'Event');
              event.appendChild(link);
              row.appendChild(event);
              cell(row, 'Type', record.event_type || '');
              cell(row, 'Endpoint', record.endpoint_id);
              cell(row, 'State', record.state, 'state-' + record.state);
              cell(row, 'Attempts', String(record.attempts || 0));
              rows.insertBefore(row, rows.firstChild);
              while (rows.children.length > 200) rows.removeChild(rows.lastChild);
            });
          }
          document.getElementById('tail-form').addEventListener('submit', function (event) { event.preventDefault(); open(); });
          open();
        })();
        """
}
