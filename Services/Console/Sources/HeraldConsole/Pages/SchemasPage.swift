import Foundation
import Hummingbird
import HeraldProtos

/// `/schemas`: the registry's subjects; `/schemas/<subject>`: its versions, its compatibility
/// level, and two versions side by side with what changed between them.
struct SchemasPage {
    let console: Console

    struct Subjects {
        let subjects: [String]
    }

    struct VersionOption {
        let version: Int32
        let selected: Bool
    }

    struct DiffRow {
        let change: String
        let leftLine: String
        let rightLine: String
    }

    struct Subject {
        let subject: String
        let compatibility: String
        let versions: [Int32]
        let leftOptions: [VersionOption]
        let rightOptions: [VersionOption]
        let left: Int32
        let right: Int32
        let rows: [DiffRow]
        let changed: Bool
    }

    static let listTemplate = """
        <ul id="subjects">
        {{#subjects}}<li><a href="/schemas/{{.}}">{{.}}</a></li>{{/subjects}}
        {{^subjects}}<li>No subjects registered.</li>{{/subjects}}
        </ul>
        """

    static let subjectTemplate = """
        <p>Compatibility level: <strong id="compatibility">{{compatibility}}</strong> · Versions: {{#versions}}{{.}} {{/versions}}</p>
        <form method="get" class="card" id="diff-form">
        <label for="diff-left">Left version</label>
        <select id="diff-left" name="left">{{#leftOptions}}<option {{#selected}}selected{{/selected}}>{{version}}</option>{{/leftOptions}}</select>
        <label for="diff-right">Right version</label>
        <select id="diff-right" name="right">{{#rightOptions}}<option {{#selected}}selected{{/selected}}>{{version}}</option>{{/rightOptions}}</select>
        <button type="submit">Compare</button>
        </form>
        {{^changed}}<p>Versions {{left}} and {{right}} are the same schema.</p>{{/changed}}
        <table id="schema-diff" class="diff">
        <thead><tr><th scope="col">Version {{left}}</th><th scope="col">Version {{right}}</th></tr></thead>
        <tbody>
        {{#rows}}<tr class="diff-{{change}}"><td><pre>{{leftLine}}</pre></td><td><pre>{{rightLine}}</pre></td></tr>
        {{/rows}}
        </tbody>
        </table>
        """

    func register(on router: Router<BasicRequestContext>) {
        router.get("schemas") { request, _ -> Response in
            await console.signedIn(request, "Schemas") { session in
                let subjects = try await console.clients.registry.listSubjects(.init(), metadata: ServiceClients.metadata(for: session.key)).subjects
                return console.page("Schemas", "schemas", Subjects(subjects: subjects.sorted()), session: session)
            }
        }
        router.get("schemas/:subject") { request, context -> Response in
            let subject = context.parameters.get("subject") ?? ""
            let query = request.uri.queryParameters
            return await console.signedIn(request, "Schema \(subject)") { session in
                let metadata = ServiceClients.metadata(for: session.key)
                var versionsRequest = Herald_V1_ListVersionsRequest()
                versionsRequest.subject = subject
                let versions = try await console.clients.registry.listVersions(versionsRequest, metadata: metadata).versions.sorted()
                var configRequest = Herald_V1_GetConfigRequest()
                configRequest.subject = subject
                configRequest.defaultToGlobal = true
                let level = try await console.clients.registry.getConfig(configRequest, metadata: metadata).compatibility
                let latest = versions.last ?? 1
                let right = query.get("right").flatMap { Int32($0) }.flatMap { versions.contains($0) ? $0 : nil } ?? latest
                let left = query.get("left").flatMap { Int32($0) }.flatMap { versions.contains($0) ? $0 : nil }
                    ?? versions.last { $0 < right } ?? right
                func schema(_ version: Int32) async throws -> String {
                    var lookup = Herald_V1_GetVersionRequest()
                    lookup.subject = subject
                    lookup.version = version
                    return try await console.clients.registry.getVersion(lookup, metadata: metadata).schema
                }
                let diff = SchemaDiff(left: try await schema(left), right: try await schema(right))
                let view = Subject(
                    subject: subject, compatibility: Self.name(of: level), versions: versions,
                    leftOptions: versions.map { VersionOption(version: $0, selected: $0 == left) },
                    rightOptions: versions.map { VersionOption(version: $0, selected: $0 == right) },
                    left: left, right: right,
                    rows: diff.rows.map { DiffRow(change: $0.change.rawValue, leftLine: $0.left ?? "", rightLine: $0.right ?? "") },
                    changed: diff.changed)
                return console.page("Schema \(subject)", "schema", view, session: session)
            }
        }
    }

    static func name(of level: Herald_V1_CompatibilityLevel) -> String {
        switch level {
        case .backward: "BACKWARD"
        case .backwardTransitive: "BACKWARD_TRANSITIVE"
        case .forward: "FORWARD"
        case .forwardTransitive: "FORWARD_TRANSITIVE"
        case .full: "FULL"
        case .fullTransitive: "FULL_TRANSITIVE"
        case .none: "NONE"
        default: "unset"
        }
    }
}
