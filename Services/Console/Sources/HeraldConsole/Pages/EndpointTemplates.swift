/// The endpoints pages' templates.
enum EndpointTemplates {
    static let list = """
        <table>
        <thead><tr><th scope="col">Id</th><th scope="col">URL</th><th scope="col">Enabled</th><th scope="col">Max attempts</th></tr></thead>
        <tbody>
        {{#endpoints}}<tr class="endpoint-row"><td data-label="Id"><a href="/endpoints/{{id}}">{{id}}</a></td><td data-label="URL">{{url}}</td><td data-label="Enabled">{{#enabled}}yes{{/enabled}}{{^enabled}}no{{/enabled}}</td><td data-label="Max attempts">{{maxAttempts}}</td></tr>
        {{/endpoints}}
        {{^endpoints}}<tr><td colspan="4">No endpoints yet.</td></tr>{{/endpoints}}
        </tbody>
        </table>
        {{#editable}}
        <h2>New endpoint</h2>
        <form method="post" action="/endpoints" class="card" id="endpoint-form">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="endpoint-id">Id</label>
        <input id="endpoint-id" name="id" required>
        <label for="endpoint-url">Webhook URL</label>
        <input id="endpoint-url" name="url" type="url" required>
        <label for="endpoint-secret">Secret (whsec_…; empty: generated, and never shown)</label>
        <input id="endpoint-secret" name="secret" type="password" autocomplete="off">
        <label for="endpoint-attempts">Max attempts (0: the service's default)</label>
        <input id="endpoint-attempts" name="max_attempts" type="number" min="0" value="0">
        <label for="endpoint-description">Description</label>
        <input id="endpoint-description" name="description">
        <button type="submit">Create endpoint</button>
        </form>
        {{/editable}}
        """

    static let detail = """
        {{#endpoint}}
        <dl class="card">
        <dt>URL</dt><dd>{{url}}</dd>
        <dt>Enabled</dt><dd id="endpoint-enabled">{{#enabled}}yes{{/enabled}}{{^enabled}}no{{/enabled}}</dd>
        <dt>Max attempts</dt><dd>{{maxAttempts}}</dd>
        {{#description}}<dt>Description</dt><dd>{{description}}</dd>{{/description}}
        {{#previousSecretUntil}}<dt>Previous secret signs until</dt><dd>{{previousSecretUntil}}</dd>{{/previousSecretUntil}}
        </dl>
        {{/endpoint}}
        <h2>Health</h2>
        <form method="get" class="card">
        <label for="health-window">Window</label>
        <select id="health-window" name="window">{{#windows}}<option value="{{seconds}}" {{#selected}}selected{{/selected}}>{{label}}</option>{{/windows}}</select>
        <button type="submit">Show</button>
        </form>
        {{#health}}
        <table id="endpoint-health">
        <tbody>
        <tr><th scope="row">Circuit</th><td>{{circuit}}</td></tr>
        <tr><th scope="row">Attempts</th><td>{{attempts}}</td></tr>
        <tr><th scope="row">Succeeded</th><td>{{succeeded}}</td></tr>
        <tr><th scope="row">Success rate</th><td>{{successRate}}</td></tr>
        <tr><th scope="row">Latency p50 / p99</th><td>{{p50}} / {{p99}}</td></tr>
        <tr><th scope="row">Last error</th><td>{{lastError}} {{lastErrorAt}}</td></tr>
        </tbody>
        </table>
        {{/health}}
        {{#latency}}
        <h3>Request latency over time</h3>
        <svg class="chart latency" id="latency-chart" viewBox="0 0 {{width}} {{height}}" role="img" aria-labelledby="latency-title">
        <title id="latency-title">p50 and p99 request duration over {{stepLabel}}; top of the chart: {{scale}} s</title>
        {{#series}}{{#lines}}<polyline class="{{name}}" fill="none" points="{{.}}"/>{{/lines}}{{/series}}
        </svg>
        <p class="legend"><span class="p50">― p50</span><span class="p99">― p99</span> · {{stepLabel}}, {{measured}} with requests · top of the chart: {{scale}} s</p>
        {{/latency}}
        {{#testable}}
        <h2>Test</h2>
        {{#endpoint}}
        <form method="post" action="/endpoints/{{id}}/test" class="card" id="endpoint-test-form">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <p>Sends one signed event of type <code>herald.test</code> now, outside the delivery log.</p>
        <button type="submit" id="endpoint-test">Send a test event</button>
        </form>
        {{/endpoint}}
        {{/testable}}
        {{#testAnswer}}
        <section id="test-answer" class="card" aria-live="polite">
        <h3>Test event {{id}}: {{#succeeded}}accepted{{/succeeded}}{{^succeeded}}not accepted{{/succeeded}}</h3>
        <dl>
        <dt>Answer</dt><dd id="test-status">{{status}}</dd>
        {{#duration}}<dt>Took</dt><dd>{{duration}}</dd>{{/duration}}
        {{#error}}<dt>Error</dt><dd>{{error}}</dd>{{/error}}
        {{#body}}<dt>Response body</dt><dd><pre>{{body}}</pre></dd>{{/body}}
        </dl>
        </section>
        {{/testAnswer}}
        <p><a href="/deliveries?endpoint={{endpoint.id}}">Deliveries to this endpoint</a> · <a href="/dead-letters?endpoint={{endpoint.id}}">Its dead letters</a></p>
        {{#editable}}
        <h2>Change</h2>
        {{#endpoint}}
        <form method="post" action="/endpoints/{{id}}/enabled" class="card">
        <input type="hidden" name="csrf" value="{{csrf}}">
        {{#enabled}}<input type="hidden" name="enabled" value="false"><button type="submit" id="endpoint-toggle">Disable {{id}}</button>{{/enabled}}
        {{^enabled}}<input type="hidden" name="enabled" value="true"><button type="submit" id="endpoint-toggle">Enable {{id}}</button>{{/enabled}}
        </form>
        <form method="post" action="/endpoints/{{id}}/secret" class="card">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="endpoint-new-secret">New secret (whsec_…)</label>
        <input id="endpoint-new-secret" name="secret" type="password" autocomplete="off" required>
        <button type="submit">Rotate secret</button>
        </form>
        {{/endpoint}}
        {{/editable}}
        """
}
