import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldProtos
import HeraldRuntime
import SwiftProtobuf

enum ProducerTarget: ServiceClientTarget {
    static let addressOption = "producer-url"
    static let defaultAddress = "127.0.0.1:50051"
    static let name = "the producer"

    static func describe(_ error: RPCError, address: String) -> String {
        error.code == .unavailable && !error.message.contains("nothing was written")
            ? "error: cannot reach the producer at \(address) or it is unavailable: \(error.message)"
            : "error: \(error.code.canonicalName): \(error.message)"
    }
}

/// `herald publish`: one event from flags, or many from a JSON-lines file over `PublishStream`
/// with a live progress line.
///
/// Exit status: 0 when everything was published, 1 when some events of a file were rejected,
/// 2 when the producer rejected the single event or could not be reached.
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish events to Herald's producer.",
        discussion: """
            One event: --type, --source, --schema-subject (or --schema-id) and --data. Many events: \
            --file events.jsonl, one JSON object per line with "id", "source", "type", optional "subject", \
            "extensions" (object of strings) and "data" (the payload as JSON); --type, --source and the \
            schema options give defaults for lines that omit them. Exit status: 0 all published, 1 some \
            lines rejected, 2 the event was rejected or the producer could not be reached.
            """
    )

    @OptionGroup var connection: ServiceClientOptions<ProducerTarget>

    @Option(help: "Event type, e.g. com.example.order.shipped.")
    var type: String?

    @Option(help: "Event source (a URI-reference), e.g. /orders.")
    var source: String?

    @Option(help: "Event subject (what the event is about).")
    var subject: String?

    @Option(help: "Event id; a random UUID when omitted.")
    var id: String?

    @Option(help: "Registry subject of the payload's schema.")
    var schemaSubject: String?

    @Option(help: "Version of --schema-subject (default: latest).")
    var schemaVersion: Int32 = 0

    @Option(help: "Global schema id (instead of --schema-subject).")
    var schemaID: Int32 = 0

    @Option(help: "The payload as JSON (Avro JSON encoding; lenient forms accepted).")
    var data: String?

    @Option(name: .customLong("extension"), help: "A CloudEvents extension, name=value (repeatable).")
    var extensions: [String] = []

    @Option(help: "A JSON-lines file of events ('-' for standard input).")
    var file: String?

    func validate() throws {
        if file == nil {
            guard type != nil, source != nil, data != nil else {
                throw ValidationError("give --type, --source and --data (or --file)")
            }
            guard schemaSubject != nil || schemaID > 0 else { throw ValidationError("give --schema-subject or --schema-id") }
        }
        for pair in extensions where !pair.contains("=") {
            throw ValidationError("--extension '\(pair)' is not name=value")
        }
    }

    func run() async throws {
        try await connection.withConnection { client in
            let producer = Herald_V1_Producer.Client(wrapping: client)
            if let file {
                try await publishFile(file, with: producer)
            } else {
                let event = template(id: id ?? UUID().uuidString.lowercased(), data: data ?? "")
                let answer = try await producer.publish(.with { $0.event = event })
                print("published \(answer.id) → partition \(answer.partition) offset \(answer.offset) (schema \(answer.schemaID))")
            }
        }
    }

    /// The event the flags describe.
    private func template(id: String, data: String) -> Herald_V1_Event {
        .with {
            $0.id = id
            $0.source = source ?? ""
            $0.type = type ?? ""
            $0.subject = subject ?? ""
            if schemaID > 0 { $0.schema.id = schemaID } else {
                $0.schema.subject = schemaSubject ?? ""
                $0.schema.version = schemaVersion
            }
            $0.json = data
            for pair in extensions {
                let parts = pair.split(separator: "=", maxSplits: 1)
                $0.extensions[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
            }
        }
    }

    private func publishFile(_ path: String, with producer: Herald_V1_Producer.Client<HTTP2ClientTransport.Posix>) async throws {
        let handle = path == "-" ? FileHandle.standardInput : try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        let lines = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
            .split(whereSeparator: \.isNewline).filter { !$0.allSatisfy(\.isWhitespace) }
        var events: [Herald_V1_Event] = []
        var rejected = 0
        for (number, line) in lines.enumerated() {
            do {
                events.append(try event(fromLine: String(line)))
            } catch {
                rejected += 1
                printError("line \(number + 1): \(error)")
            }
        }
        let progress = Progress(total: events.count)
        let toSend = events
        let failures = try await producer.publishStream(
            request: StreamingClientRequest(of: Herald_V1_PublishRequest.self) { writer in
                for event in toSend { try await writer.write(.with { $0.event = event }) }
            }
        ) { response in
            var failures: [String] = []
            for try await answer in response.messages {
                if answer.errorCode != 0 { failures.append("\(answer.id): \(answer.errorMessage)") }
                progress.record(failed: answer.errorCode != 0)
            }
            return failures
        }
        progress.finish()
        for failure in failures { printError("rejected \(failure)") }
        if rejected + failures.count > 0 { throw ExitCode(1) }
    }

    private func event(fromLine line: String) throws -> Herald_V1_Event {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
            throw ValidationError("not a JSON object")
        }
        guard let payload = object["data"] else { throw ValidationError("no \"data\"") }
        let data = String(decoding: try JSONSerialization.data(withJSONObject: payload, options: [.fragmentsAllowed]), as: UTF8.self)
        var event = template(id: object["id"] as? String ?? UUID().uuidString.lowercased(), data: data)
        if let value = object["source"] as? String { event.source = value }
        if let value = object["type"] as? String { event.type = value }
        if let value = object["subject"] as? String { event.subject = value }
        if let extensions = object["extensions"] as? [String: String] { event.extensions.merge(extensions) { $1 } }
        return event
    }
}

/// The live progress line of a file upload: count, rate and errors, redrawn in place on stderr.
final class Progress: @unchecked Sendable {
    // Touched only from the single task reading the answer stream.
    private let total: Int
    private let started = ContinuousClock.now
    private var lastDrawn = ContinuousClock.now
    private var done = 0
    private var failed = 0

    init(total: Int) {
        self.total = total
    }

    func record(failed: Bool) {
        done += 1
        if failed { self.failed += 1 }
        if ContinuousClock.now - lastDrawn > .milliseconds(200) { draw(final: false) }
    }

    func finish() {
        draw(final: true)
    }

    private func draw(final: Bool) {
        lastDrawn = .now
        let seconds = max((ContinuousClock.now - started) / .seconds(1), 0.001)
        let line = "\r\(done)/\(total) answered, \(failed) rejected, \(Int(Double(done) / seconds)) events/s" + (final ? "\n" : "")
        FileHandle.standardError.write(Data(line.utf8))
    }
}
