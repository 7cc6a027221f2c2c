import ArgumentParser
import AsyncHTTPClient
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import GRPCProtobuf
import HeraldKafka
import HeraldProtos
import HeraldRuntime
import HeraldTestSupport
import Hummingbird
import HeraldRegistry
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import SwiftProtobuf

/// `herald-bench registry`: the schema registry (started in this process, the very
/// `RegistryServer.build` assembly, on the local broker) beside bare servers doing none of the
/// registry's work — a Hummingbird route and a gRPC service answering with the same bytes, and a
/// one-record Kafka transaction for writes — so each ratio is the registry's own overhead
/// (issue 5's benchmark).
struct RegistryBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "Registry reads (REST GET /schemas/ids/{id}, gRPC GetSchema) and registrations, beside bare servers."
    )

    @OptionGroup var shared: BenchSharedOptions

    @OptionGroup var plan: RegistryBenchPlan

    func run() async throws {
        let logger = Logger.bench("herald.bench.registry")
        let kafka = shared.kafka(requestTimeout: .seconds(20))
        print("Registry vs bare servers on \(shared.kafkaBrokers): \(plan.concurrency) concurrent callers, "
            + "\(plan.readSeconds) s per read workload, \(plan.registerSeconds) s per register workload, \(plan.schemas) schemas")

        let registry = try await InProcessRegistry.start(kafka: kafka, prefix: "herald-bench", logger: logger)
        var rows: [RegistryBenchRow] = []
        do {
            rows = try await measure(registry, kafka: kafka, logger: logger)
            try await registry.stop()
        } catch {
            try? await registry.stop()
            throw error
        }
        print()
        print(RegistryBenchTable.render(rows, concurrency: plan.concurrency))
    }

    private func measure(_ registry: InProcessRegistry, kafka: KafkaConfiguration, logger: Logger) async throws -> [RegistryBenchRow] {
        var pool = HTTPClient.Configuration.ConnectionPool()
        pool.concurrentHTTP1ConnectionsPerHostSoftLimit = plan.concurrency
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(connectionPool: pool))
        do {
            let rows = try await withGRPCClient(
                transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: registry.grpcPort), transportSecurity: .plaintext)
            ) { grpc in
                let client = Herald_V1_Registry.Client(wrapping: grpc)
                let reads = try await Self.reads(registry, client: client, http: http, plan: plan, logger: logger)
                let writes = try await Self.writes(client: client, kafka: kafka, plan: plan, logger: logger)
                return reads + writes
            }
            try await http.shutdown()
            return rows
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    /// REST and gRPC reads of registered schemas, each beside a bare server answering with the same bytes.
    private static func reads(
        _ registry: InProcessRegistry, client: Herald_V1_Registry.Client<HTTP2ClientTransport.Posix>, http: HTTPClient,
        plan: RegistryBenchPlan, logger: Logger
    ) async throws -> [RegistryBenchRow] {
        let ids = try await RegistryBenchWork.registerReadSchemas(plan.schemas, client: client)
        let restBody = try await RegistryBenchWork.get(http, url: "\(registry.httpBase)/schemas/ids/\(ids[0])")
        let grpcAnswer = try await client.getSchema(.with { $0.id = ids[0] })
        let bare = try await BareServers.start(restBody: restBody, grpcAnswer: grpcAnswer, logger: logger)
        do {
            var rows: [RegistryBenchRow] = []
            let rest = try await RegistryBenchWork.drive(callers: plan.concurrency, seconds: plan.readSeconds) { _, iteration in
                _ = try await RegistryBenchWork.get(http, url: "\(registry.httpBase)/schemas/ids/\(ids[iteration % ids.count])")
            }
            var restBare: KafkaBenchResult?
            if plan.baseline {
                restBare = try await RegistryBenchWork.drive(callers: plan.concurrency, seconds: plan.readSeconds) { _, iteration in
                    _ = try await RegistryBenchWork.get(http, url: "\(bare.httpBase)/schemas/ids/\(ids[iteration % ids.count])")
                }
            }
            rows.append(RegistryBenchRow(title: "REST GET /schemas/ids/{id}", unit: "req/s", herald: rest, baseline: restBare,
                                         baselineName: "bare Hummingbird route, same \(restBody.readableBytes) B body"))
            report(rows[rows.count - 1])

            let getSchema = try await RegistryBenchWork.drive(callers: plan.concurrency, seconds: plan.readSeconds) { _, iteration in
                _ = try await client.getSchema(.with { $0.id = ids[iteration % ids.count] })
            }
            var getSchemaBare: KafkaBenchResult?
            if plan.baseline {
                getSchemaBare = try await withGRPCClient(
                    transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: bare.grpcPort), transportSecurity: .plaintext)
                ) { bareGRPC in
                    let bareClient = Herald_V1_Registry.Client(wrapping: bareGRPC)
                    return try await RegistryBenchWork.drive(callers: plan.concurrency, seconds: plan.readSeconds) { _, iteration in
                        _ = try await bareClient.getSchema(.with { $0.id = ids[iteration % ids.count] })
                    }
                }
            }
            rows.append(RegistryBenchRow(title: "gRPC GetSchema", unit: "req/s", herald: getSchema, baseline: getSchemaBare,
                                         baselineName: "bare gRPC service, same response"))
            report(rows[rows.count - 1])
            await bare.stop()
            return rows
        } catch {
            await bare.stop()
            throw error
        }
    }

    /// Registrations: each a new schema under a new subject (no compatibility history), so each
    /// one is a transaction on the schema log, beside the bare one-record transaction.
    private static func writes(
        client: Herald_V1_Registry.Client<HTTP2ClientTransport.Posix>, kafka: KafkaConfiguration, plan: RegistryBenchPlan, logger: Logger
    ) async throws -> [RegistryBenchRow] {
        let run = UInt32.random(in: 0...UInt32.max)
        let serial = try await RegistryBenchWork.drive(callers: 1, seconds: plan.registerSeconds, warmUp: 0) { _, iteration in
            try await RegistryBenchWork.register(client, subject: "bench.\(run).serial.\(iteration)", index: iteration)
        }
        let concurrent = try await RegistryBenchWork.drive(callers: plan.concurrency, seconds: plan.registerSeconds, warmUp: 0) { caller, iteration in
            try await RegistryBenchWork.register(
                client, subject: "bench.\(run).concurrent.\(caller).\(iteration)", index: 1_000_000 * (caller + 1) + iteration)
        }
        var transactions: KafkaBenchResult?
        if plan.baseline {
            transactions = try await RegistryBenchWork.transactions(kafka: kafka, seconds: plan.registerSeconds, logger: logger)
        }
        let floor = "1-record Kafka txn, serial"
        let rows = [
            RegistryBenchRow(title: "register, 1 caller", unit: "schemas/s", herald: serial, baseline: transactions, baselineName: floor),
            RegistryBenchRow(title: "register, \(plan.concurrency) callers", unit: "schemas/s", herald: concurrent, baseline: transactions, baselineName: floor),
        ]
        rows.forEach(report)
        return rows
    }

    private static func report(_ row: RegistryBenchRow) {
        var line = "  \(row.title.padding(toLength: 28, withPad: " ", startingAt: 0)) herald \(KafkaBenchTable.rate(row.herald.rate)) \(row.unit)"
        if let baseline = row.baseline { line += ", baseline \(KafkaBenchTable.rate(baseline.rate)) \(row.unit)" }
        print(line)
    }
}

/// What the registry benchmark runs: its options, handed as they are to each workload.
struct RegistryBenchPlan: ParsableArguments, Sendable {
    @Option(help: "Concurrent callers in the read workloads and the concurrent register workload.")
    var concurrency = 16

    @Option(name: .customLong("duration"), help: "Seconds each read workload runs, on each side.")
    var readSeconds: Double = 5

    @Option(name: .customLong("register-duration"), help: "Seconds each register workload runs.")
    var registerSeconds: Double = 4

    @Option(help: "Schemas registered before the read workloads; reads cycle through their ids.")
    var schemas = 8

    @Flag(help: "Measure the registry only.")
    var skipBaseline = false

    var baseline: Bool { !skipBaseline }

    func validate() throws {
        guard concurrency > 0, schemas > 0 else { throw ValidationError("--concurrency and --schemas must be positive") }
        guard readSeconds > 0, registerSeconds > 0 else { throw ValidationError("durations must be positive") }
    }
}

struct RegistryBenchRow {
    var title: String
    var unit: String
    var herald: KafkaBenchResult
    var baseline: KafkaBenchResult?
    var baselineName: String
}

enum RegistryBenchWork {
    /// Runs `call` from `callers` concurrent tasks until `seconds` have passed, after `warmUp`
    /// seconds whose calls are not counted. Latencies are per call, in milliseconds.
    static func drive(
        callers: Int, seconds: Double, warmUp: Double = 0.5,
        _ call: @escaping @Sendable (_ caller: Int, _ iteration: Int) async throws -> Void
    ) async throws -> KafkaBenchResult {
        if warmUp > 0 { _ = try await drive(callers: callers, seconds: warmUp, warmUp: 0, call) }
        let start = ContinuousClock.now
        let deadline = start + .milliseconds(Int64(seconds * 1000))
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for caller in 0..<callers {
                group.addTask {
                    var latencies: [Double] = []
                    latencies.reserveCapacity(1 << 14)
                    var iteration = 0
                    while ContinuousClock.now < deadline {
                        let began = ContinuousClock.now
                        try await call(caller, iteration)
                        latencies.append(milliseconds(ContinuousClock.now - began))
                        iteration += 1
                    }
                    return latencies
                }
            }
            var all: [Double] = []
            for try await part in group { all += part }
            return all
        }
        let elapsed = milliseconds(ContinuousClock.now - start) / 1000
        return KafkaBenchResult(messages: latencies.count, seconds: elapsed, latencies: latencies)
    }

    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }

    /// A GET that must answer 200; returns the body.
    static func get(_ http: HTTPClient, url: String) async throws -> ByteBuffer {
        let response = try await http.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else { throw BenchFailure(description: "GET \(url) answered \(response.status)") }
        return body
    }

    /// A record schema of a few fields, distinct for every `index`.
    static func schema(index: Int) -> String {
        #"{"type":"record","name":"BenchEvent\#(index)","namespace":"com.example.bench","fields":["#
            + #"{"name":"id","type":"string"},{"name":"amount","type":"long"},{"name":"currency","type":"string","default":"EUR"},"#
            + #"{"name":"note","type":["null","string"],"default":null}]}"#
    }

    static func register(_ client: Herald_V1_Registry.Client<HTTP2ClientTransport.Posix>, subject: String, index: Int) async throws {
        _ = try await client.registerSchema(.with {
            $0.subject = subject
            $0.schema = schema(index: index)
        })
    }

    /// Registers `count` schemas for the read workloads; returns their ids.
    static func registerReadSchemas(_ count: Int, client: Herald_V1_Registry.Client<HTTP2ClientTransport.Posix>) async throws -> [Int32] {
        var ids: [Int32] = []
        for index in 0..<count {
            ids.append(try await client.registerSchema(.with {
                $0.subject = "bench-read-\(index)-value"
                $0.schema = schema(index: 900_000_000 + index)
            }).id)
        }
        return ids
    }

    /// The storage floor of a registration: one committed transaction of one record of a
    /// registration's size, one after another (the registry has one writer).
    static func transactions(kafka: KafkaConfiguration, seconds: Double, logger: Logger) async throws -> KafkaBenchResult {
        let suffix = "\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max))"
        let topic = "herald-bench.registry-baseline.\(suffix)"
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        try await admin.createTopic(topic, partitions: 1, configs: ["cleanup.policy": "compact"], ignoreIfExists: true)
        await admin.close()
        let producer = try TransactionalProducer(configuration: kafka, transactionalID: "\(topic).producer", logger: logger)
        try await producer.initTransactions()
        let value = Array(schema(index: 0).utf8)
        let result = try await drive(callers: 1, seconds: seconds, warmUp: 0.2) { _, iteration in
            try await producer.withTransaction { transaction in
                _ = try await transaction.send(ProducerRecord(topic: topic, partition: 0, key: Array("schema-\(iteration)".utf8), value: value))
            }
        }
        await producer.close()
        return result
    }
}

/// A Hummingbird route and a gRPC `GetSchema` that answer at once with fixed bytes.
struct BareServers: Sendable {
    let httpPort: Int
    let grpcPort: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    var httpBase: String { "http://127.0.0.1:\(httpPort)" }

    static func start(restBody: ByteBuffer, grpcAnswer: Herald_V1_GetSchemaResponse, logger: Logger) async throws -> BareServers {
        let router = Router()
        router.get("schemas/ids/:id") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/vnd.schemaregistry.v1+json"], body: .init(byteBuffer: restBody))
        }
        let (http, httpPort) = HeraldHTTP.application(router: router, host: "127.0.0.1", port: 0, serverName: "bare", logger: logger)
        let grpc = GRPCServerService(host: "127.0.0.1", port: 0, services: [ConstantGetSchema(answer: grpcAnswer)], logger: logger)
        let group = ServiceGroup(services: [http, grpc], logger: logger)
        let task = Task { try await group.run() }
        return BareServers(httpPort: await httpPort.value, grpcPort: try await grpc.boundPort(), group: group, task: task)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}

/// `herald.v1.Registry/GetSchema` answering every request with the same response, nothing else.
struct ConstantGetSchema: RegistrableRPCService {
    let answer: Herald_V1_GetSchemaResponse

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        let answer = answer
        router.registerHandler(
            forMethod: Herald_V1_Registry.Method.GetSchema.descriptor,
            deserializer: ProtobufDeserializer<Herald_V1_GetSchemaRequest>(),
            serializer: ProtobufSerializer<Herald_V1_GetSchemaResponse>()
        ) { request, _ in
            _ = try await ServerRequest(stream: request)
            return StreamingServerResponse(single: ServerResponse(message: answer))
        }
    }
}

enum RegistryBenchTable {
    static func render(_ rows: [RegistryBenchRow], concurrency: Int) -> String {
        var lines = comparison(rows, heraldLatency: "Herald p50 / p99 ms")
        lines.append("")
        lines.append("Reads: \(concurrency) concurrent callers, one HTTP/1.1 connection each (REST) or one shared HTTP/2 connection (gRPC); "
            + "client and servers share this process. A registration is a new schema under a new subject; it returns once "
            + "its transaction committed and the registry's replica applied it.")
        return lines.joined(separator: "\n")
    }

    /// The table the registry and publish benchmarks print: a row a workload, Herald beside its
    /// baseline with their ratio and latencies.
    static func comparison(_ rows: [RegistryBenchRow], heraldLatency: String) -> [String] {
        var lines = [
            "| workload | Herald | baseline | ratio | \(heraldLatency) | baseline p50 / p99 ms | baseline |",
            "|---|---:|---:|---:|---:|---:|---|",
        ]
        for row in rows {
            let ratio = row.baseline.map { row.herald.rate / max($0.rate, 1e-9) }
            lines.append("| \(row.title) | \(KafkaBenchTable.rate(row.herald.rate)) \(row.unit) | "
                + "\(row.baseline.map { KafkaBenchTable.rate($0.rate) + " " + row.unit } ?? "—") | "
                + "\(ratio.map { String(format: "%.2f×", $0) } ?? "—") | \(latency(row.herald)) | \(latency(row.baseline)) | \(row.baselineName) |")
        }
        return lines
    }

    private static func latency(_ result: KafkaBenchResult?) -> String {
        guard let result, let p50 = result.percentile(0.5), let p99 = result.percentile(0.99) else { return "—" }
        return String(format: "%.2f / %.2f", p50, p99)
    }
}
