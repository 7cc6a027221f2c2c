import ArgumentParser
import Foundation
import HeraldAvro

/// `herald-bench avro`: HeraldAvro's codec beside Python fastavro on the same records, in the
/// same run, on the same machine (issue 4's benchmark).
struct AvroBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "avro",
        abstract: "Avro encode, decode, validate and JSON → Avro throughput, beside fastavro."
    )

    @Option(help: "Seconds to run each workload.")
    var seconds: Double = 2

    @Option(help: "Distinct records cycled through.")
    var records: Int = 1000

    @Option(help: "Python interpreter with fastavro installed.")
    var python = ".venv/bin/python"

    @Option(help: "The fastavro baseline script.")
    var baseline = "Benchmarks/baselines/avro_baseline.py"

    @Flag(help: "Measure Herald only.")
    var skipBaseline = false

    func run() async throws {
        let data = try AvroBenchData(count: records)
        print("HeraldAvro vs fastavro: 10-field record, \(records) distinct records, \(seconds) s per workload")
        var results: [(AvroBenchWorkload, Double)] = []
        for workload in AvroBenchWorkload.allCases {
            let rate = try AvroBenchRunner.measure(seconds: seconds) { index in
                try workload.run(on: data, index: index % data.count)
            }
            results.append((workload, rate))
            print("  herald   \(workload.title.padded(18)) \(AvroBenchTable.format(rate)) records/s")
        }
        var baselineRates: [String: Double] = [:]
        if !skipBaseline {
            baselineRates = try await AvroBenchRunner.fastavro(python: python, script: baseline, data: data, seconds: seconds)
        }
        print()
        print(AvroBenchTable.render(results.map { ($0.0, $0.1, baselineRates[$0.0.rawValue]) }))
    }
}

/// The measured workloads; raw values are the keys the baseline script reports.
enum AvroBenchWorkload: String, CaseIterable {
    case encode
    case decode
    case validate
    case jsonToBinary = "json_to_binary"
    case binaryToJSON = "binary_to_json"

    var title: String {
        switch self {
        case .encode: "encode"
        case .decode: "decode"
        case .validate: "decode + validate"
        case .jsonToBinary: "JSON → binary"
        case .binaryToJSON: "binary → JSON"
        }
    }

    /// Issue 4's targets, per core.
    var target: Double? {
        switch self {
        case .decode, .validate: 1_000_000
        case .jsonToBinary: 100_000
        default: nil
        }
    }

    /// One record's work; returns a size so the optimizer cannot drop it.
    func run(on data: AvroBenchData, index: Int) throws -> Int {
        switch self {
        case .encode: return try data.schema.encode(data.values[index]).count
        case .decode:
            if case .record(let fields) = try data.schema.decode(data.binaries[index]) { return fields.count }
            return 0
        case .validate:
            try data.schema.validate(data.binaries[index])
            return 1
        case .jsonToBinary: return try data.schema.encodeJSON(data.jsons[index], mode: .lenient).count
        case .binaryToJSON: return try data.schema.json(fromBinary: data.binaries[index], style: .natural).count
        }
    }
}

/// Deterministic records of a typical 10-field event, in every form the workloads start from.
struct AvroBenchData {
    static let schemaText = """
        {"type": "record", "name": "OrderPlaced", "namespace": "bench.herald", "fields": [
          {"name": "id", "type": "string"},
          {"name": "customer", "type": "string"},
          {"name": "sku", "type": "string"},
          {"name": "quantity", "type": "int"},
          {"name": "unit_price_cents", "type": "long"},
          {"name": "discount", "type": "double"},
          {"name": "weight", "type": "float"},
          {"name": "gift", "type": "boolean"},
          {"name": "placed_at", "type": "long"},
          {"name": "note", "type": ["null", "string"], "default": null}
        ]}
        """

    let schema: AvroSchema
    let values: [AvroValue]
    let binaries: [[UInt8]]
    /// Natural JSON (bare union values), as producers send it.
    let jsons: [[UInt8]]
    var count: Int { values.count }

    init(count: Int) throws {
        let schema = try AvroSchema(parsing: Self.schemaText)
        var state: UInt64 = 42
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let values: [AvroValue] = (0..<max(1, count)).map { index in
            let note: AvroValue = next() % 3 == 0 ? .union(branch: 1, .string("leave at the door, ring twice")) : .union(branch: 0, .null)
            return .record([
                .init("id", .string("ord-\(String(next() % 1_000_000_000, radix: 16))-\(index)")),
                .init("customer", .string("customer-\(next() % 100_000)")),
                .init("sku", .string("SKU-\(next() % 10_000)")),
                .init("quantity", .int(Int32(next() % 20 + 1))),
                .init("unit_price_cents", .long(Int64(next() % 100_000))),
                .init("discount", .double(Double(next() % 100) / 100)),
                .init("weight", .float(Float(next() % 10_000) / 100)),
                .init("gift", .boolean(next() % 2 == 0)),
                .init("placed_at", .long(1_790_000_000_000 + Int64(next() % 1_000_000_000))),
                .init("note", note),
            ])
        }
        self.schema = schema
        self.values = values
        binaries = try values.map { try schema.encode($0) }
        jsons = try values.map { try schema.json(for: $0, style: .natural) }
    }
}

enum AvroBenchRunner {
    /// Records per second of `body` over `seconds`, after a short warm-up.
    static func measure(seconds: Double, _ body: (Int) throws -> Int) throws -> Double {
        var sink = 0
        for index in 0..<2_000 { sink &+= try body(index) }
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + .milliseconds(Int(seconds * 1000))
        var done = 0
        repeat {
            for _ in 0..<1_000 {
                sink &+= try body(done)
                done += 1
            }
        } while clock.now < deadline
        let elapsed = start.duration(to: clock.now)
        let elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        if sink == .min { print("") }  // keeps `sink` observable
        return Double(done) / elapsedSeconds
    }

    /// Runs the fastavro script on the same records and returns its rates by workload key.
    static func fastavro(python: String, script: String, data: AvroBenchData, seconds: Double) async throws -> [String: Double] {
        guard FileManager.default.isExecutableFile(atPath: python), FileManager.default.fileExists(atPath: script) else {
            print("  fastavro baseline skipped: \(python) or \(script) not found (run from the repository root after `make deps`)")
            return [:]
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("herald-avro-bench-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let schemaFile = directory.appendingPathComponent("schema.avsc")
        let recordsFile = directory.appendingPathComponent("records.jsonl")
        try Data(AvroBenchData.schemaText.utf8).write(to: schemaFile)
        var lines = Data()
        for json in data.jsons {
            lines.append(contentsOf: json)
            lines.append(0x0A)
        }
        try lines.write(to: recordsFile)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, "--schema", schemaFile.path, "--records", recordsFile.path, "--seconds", String(seconds)]
        let output = Pipe()
        process.standardOutput = output
        let finished = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { finished.continuation.yield($0.terminationStatus); finished.continuation.finish() }
        try process.run()
        // Read while it runs so a full pipe can never stall the child.
        let reader = Task.detached { output.fileHandleForReading.readDataToEndOfFile() }
        var status: Int32 = -1
        for await code in finished.stream { status = code }
        let text = await reader.value
        guard status == 0 else { throw ValidationError("fastavro baseline exited with status \(status)") }

        var rates: [String: Double] = [:]
        for line in String(decoding: text, as: UTF8.self).split(separator: "\n") {
            print("  fastavro \(line)")
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count >= 2, let rate = Double(parts[1]) { rates[String(parts[0])] = rate }
        }
        return rates
    }
}

enum AvroBenchTable {
    static func format(_ rate: Double) -> String {
        let whole = Int(rate.rounded())
        var digits = String(whole)
        var grouped = ""
        while digits.count > 3 {
            grouped = "," + digits.suffix(3) + grouped
            digits.removeLast(3)
        }
        return (digits + grouped).leftPadded(to: 12)
    }

    static func render(_ rows: [(AvroBenchWorkload, Double, Double?)]) -> String {
        func row(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |" }
        var lines = [
            row(["workload".padded(17), "Herald rec/s".leftPadded(to: 12), "fastavro rec/s", " ratio", "target (per core)".padded(19)]),
            row([String(repeating: "-", count: 17), String(repeating: "-", count: 11) + ":", String(repeating: "-", count: 13) + ":", "-----:", String(repeating: "-", count: 19)]),
        ]
        for (workload, herald, fastavro) in rows {
            let ratio = fastavro.map { String(format: "%.1fx", herald / $0) } ?? "n/a"
            let target = workload.target.map { "≥ \(format($0).trimmingCharacters(in: .whitespaces)) \(herald >= $0 ? "met" : "MISSED")" } ?? ""
            lines.append(row([
                workload.title.padded(17), format(herald), (fastavro.map(format) ?? "n/a").leftPadded(to: 14),
                ratio.leftPadded(to: 6), target.padded(19),
            ]))
        }
        lines.append("")
        lines.append("decode builds values (and validates); decode + validate checks the bytes without building values.")
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }

    fileprivate func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
