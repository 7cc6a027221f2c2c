import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldProtos
import HeraldRuntime
import SwiftProtobuf

enum DeliveryTarget: ServiceClientTarget {
    static let addressOption = "delivery-url"
    static let defaultAddress = "127.0.0.1:50053"
    static let name = "the delivery service"

    static func describe(_ error: RPCError, address: String) -> String {
        error.code == .unavailable && error.message.contains("connect")
            ? "error: the delivery service at \(address) could not be reached (\(error.message))"
            : "error: \(error.code.canonicalName): \(error.message)"
    }
}

/// Options every `herald endpoint` and `herald deliveries` subcommand takes.
struct DeliveryClientOptions: ParsableArguments {
    @OptionGroup var delivery: ServiceClientOptions<DeliveryTarget>

    @Flag(help: "Print results as protobuf JSON instead of text.")
    var json = false

    /// Runs `body` with a Delivery client; a gRPC error goes to stderr and becomes exit status 2.
    func withDelivery<Result: Sendable>(_ body: (Herald_V1_Delivery.Client<HTTP2ClientTransport.Posix>) async throws -> Result) async throws -> Result {
        try await delivery.withConnection { client in try await body(Herald_V1_Delivery.Client(wrapping: client)) }
    }

    func emit(_ message: some SwiftProtobuf.Message, text: () -> String) {
        if json {
            var options = JSONEncodingOptions()
            options.preserveProtoFieldNames = true
            printFlushed((try? message.jsonString(options: options)) ?? "{}")
        } else {
            printFlushed(text())
        }
    }
}

enum DeliveryText {
    static func endpoint(_ endpoint: Herald_V1_Endpoint) -> String {
        var line = "\(endpoint.id)  \(endpoint.url)  \(endpoint.enabled ? "enabled" : "disabled")"
        if endpoint.maxAttempts > 0 { line += "  max_attempts=\(endpoint.maxAttempts)" }
        if endpoint.rateLimitPerSecond > 0 { line += "  rate=\(endpoint.rateLimitPerSecond)/s" }
        if !endpoint.retrySchedule.isEmpty { line += "  schedule=" + endpoint.retrySchedule.map { "\(Double($0.seconds) + Double($0.nanos) / 1e9)s" }.joined(separator: ",") }
        for (name, _) in endpoint.headers.sorted(by: { $0.key < $1.key }) { line += "  header:\(name)" }
        for (name, _) in endpoint.secretHeaders.sorted(by: { $0.key < $1.key }) { line += "  secret-header:\(name)" }
        if endpoint.hasPreviousSecretExpiresAt {
            line += "  previous-secret-signs-until=\(endpoint.previousSecretExpiresAt.iso8601)"
        }
        return line
    }

    /// `test_…  HTTP 200 in 0.012s`, then the error and the start of the answer's body when there are.
    static func testAnswer(_ answer: Herald_V1_SendTestEventResponse) -> String {
        var line = answer.deliveryID + "  " + (answer.statusCode == 0 ? "no answer" : "HTTP \(answer.statusCode)")
        if answer.hasDuration { line += String(format: " in %.3fs", Double(answer.duration.seconds) + Double(answer.duration.nanos) / 1e9) }
        if !answer.error.isEmpty { line += "\n  error: \(answer.error)" }
        if !answer.responseBody.isEmpty { line += "\n  body: " + String(decoding: answer.responseBody.prefix(200), as: UTF8.self) }
        return line
    }

    static func attempt(_ attempt: Herald_V1_DeliveryAttempt) -> String {
        var line = "  attempt  at=\(attempt.attemptedAt.iso8601)  \(attempt.state)  attempts=\(attempt.attempts)"
        if attempt.statusCode != 0 { line += "  status=\(attempt.statusCode)" }
        if attempt.hasDuration { line += "  duration=\(seconds(attempt.duration))" }
        if attempt.hasNextAttemptAt { line += "  next=\(attempt.nextAttemptAt.iso8601)" }
        if !attempt.error.isEmpty { line += "  error=\"\(attempt.error)\"" }
        if !attempt.responseBody.isEmpty { line += "  body=\"\(String(decoding: attempt.responseBody, as: UTF8.self))\"" }
        return line
    }

    static func seconds(_ duration: Google_Protobuf_Duration) -> String {
        String(format: "%.3fs", Double(duration.seconds) + Double(duration.nanos) / 1e9)
    }

    static func record(_ record: Herald_V1_DeliveryRecord) -> String {
        var line = "\(record.deliveryID)  \(record.state)  endpoint=\(record.endpointID)  event=\(record.eventSource)#\(record.eventID)  attempts=\(record.attempts)"
        if record.lastStatusCode != 0 { line += "  status=\(record.lastStatusCode)" }
        if record.hasUpdatedAt { line += "  at=\(record.updatedAt.iso8601)" }
        if record.hasNextAttemptAt { line += "  next=\(record.nextAttemptAt.iso8601)" }
        if !record.lastError.isEmpty { line += "  error=\"\(record.lastError)\"" }
        return line
    }
}

/// A line on stdout, written at once (a pipe reader such as a test or `grep` sees it immediately).
func printFlushed(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
