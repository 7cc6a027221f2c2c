import ArgumentParser
import Foundation
import HeraldDelivery
import HeraldKafka
import HeraldRuntime
import Logging

/// `herald-bench e2e`: publish → webhook received, through Herald's four services, at fixed
/// offered rates (open loop) and at the highest rate it sustains, beside the bare transport
/// (librdkafka produce → consume → signed POST) doing the same in the same run (issue 9).
struct EndToEndBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "e2e",
        abstract: "Publish → webhook latency at fixed rates and the maximum sustained rate, beside the bare transport.",
        discussion: """
            Herald's side runs the registry, producer, router and delivery services (the assemblies the \
            executables run, default settings) in this process; events go in over PublishStream, one \
            route per endpoint, and arrive at a local HTTP receiver that verifies each signature and counts \
            distinct webhook-ids. The baseline writes the same webhook bodies with an idempotent librdkafka \
            producer (acks=all); one consumer POSTs them, signed, to the same receiver with the same HTTP \
            client settings and endpoints × concurrency requests in flight. The publisher is open loop: \
            event i is due i/rate seconds after the start and its latency counts from then, queueing \
            included. A rate is sustained when, after the warm-up, the side delivered at least 95 % of it, \
            its backlog grew by at most 5 % of it per second, and everything drained. The baseline runs \
            first (on the fresher broker), then Herald.
            """
    )

    @OptionGroup var shared: BenchSharedOptions

    @Option(help: "Fixed offered rates, events per second, comma-separated.")
    var rates = "500,1000,2000"

    @Option(help: "Seconds each fixed-rate run publishes.")
    var duration: Double = 10

    @Option(help: "Steps of the maximum-sustained-rate search per side, beyond the fixed rates (0 skips the search).")
    var searchSteps = 4

    @Option(help: "Seconds each search step publishes.")
    var searchDuration: Double = 6

    @Option(help: "Seconds at the start of each run left out of the steady-state judgement.")
    var warmup: Double = 2

    @Option(help: "Seconds after the last scheduled send that the backlog may take to drain; a run that does not drain is not sustained.")
    var drainTimeout: Double = 30

    @Option(help: "Webhook endpoints (one route and one event source each; every event reaches exactly one).")
    var endpoints = 4

    @Option(help: "Requests in flight per endpoint (Herald's per-endpoint limit and HTTP connections per host).")
    var concurrency = 8

    @Option(help: "Partitions of every topic the benchmark creates.")
    var partitions = 12

    @Option(help: "Write e2e.json (every run's percentiles, histogram and throughput timeline) into this directory.")
    var outputDir: String?

    @Flag(help: "Measure Herald only.")
    var skipBaseline = false

    var offeredRates: [Double] {
        get throws {
            let parsed = rates.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard !parsed.isEmpty, parsed.allSatisfy({ ($0 ?? 0) > 0 }) else {
                throw ValidationError("--rates must be positive numbers separated by commas, e.g. 500,1000,2000")
            }
            return parsed.compactMap { $0 }
        }
    }

    func validate() throws {
        _ = try offeredRates
        guard duration > 0, searchDuration > 0, warmup >= 0, drainTimeout > 0 else {
            throw ValidationError("--duration, --search-duration and --drain-timeout must be positive and --warmup not negative")
        }
        guard searchSteps >= 0, endpoints > 0, concurrency > 0, partitions > 0 else {
            throw ValidationError("--search-steps must not be negative; --endpoints, --concurrency and --partitions must be positive")
        }
    }

    func run() async throws {
        let logger = Logger.bench("herald.bench.e2e")
        let kafka = shared.kafka(requestTimeout: .seconds(20))
        let rates = try offeredRates
        let secret = WebhookSecret.generate()
        print("Publish → webhook on \(shared.kafkaBrokers): rates \(rates.map(EndToEndTable.number).joined(separator: ", ")) events/s for \(EndToEndTable.number(duration)) s each, "
            + "then up to \(searchSteps) search steps of \(EndToEndTable.number(searchDuration)) s; \(endpoints) endpoints × \(concurrency) in flight, \(partitions) partitions")

        let receiver = try await BenchWebhookReceiver.start(secret: try WebhookSecret(secret), logger: logger)
        let target = EndToEndTarget(receiverURL: receiver.url, secret: secret, endpoints: endpoints, concurrency: concurrency, partitions: partitions)
        let runner = OpenLoopRunner(receiver: receiver, endpoints: endpoints, warmup: warmup, drainTimeout: .seconds(drainTimeout),
                                    nonce: UInt32.random(in: 0...UInt32.max))
        var runs: [EndToEndRun] = []
        var maximum: [String: Double] = [:]
        do {
            for side in skipBaseline ? [EndToEndRun.Side.herald] : [.baseline, .herald] {
                let (sideRuns, highest) = try await measure(side, rates: rates, runner: runner, kafka: kafka, target: target, logger: logger, first: runs.count)
                runs += sideRuns
                if let highest { maximum[side.rawValue] = highest }
            }
        } catch {
            await receiver.stop()
            throw error
        }
        await receiver.stop()

        let results = EndToEndResults(
            settings: .init(brokers: shared.kafkaBrokers, rates: rates, duration: duration, searchDuration: searchDuration, warmup: warmup,
                            endpoints: endpoints, concurrency: concurrency, partitions: partitions),
            runs: runs, maximumSustained: maximum)
        if let outputDir {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let url = URL(fileURLWithPath: outputDir, isDirectory: true)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            try encoder.encode(results).write(to: url.appendingPathComponent("e2e.json"))
            print("  raw data: \(url.appendingPathComponent("e2e.json").path)")
        }
        print()
        print(EndToEndTable.renderSearch(results))
        print()
        print(EndToEndTable.render(results))
    }

    /// One side: its pipeline, a warm-up, the fixed rates, then the search. A run that does not
    /// drain leaves a backlog behind, so the pipeline is replaced before the next run.
    private func measure(
        _ side: EndToEndRun.Side, rates: [Double], runner: OpenLoopRunner, kafka: KafkaConfiguration, target: EndToEndTarget, logger: Logger, first: Int
    ) async throws -> ([EndToEndRun], Double?) {
        func start() async throws -> any EndToEndPipeline {
            let pipeline: any EndToEndPipeline = switch side {
            case .herald: try await HeraldPipeline.start(kafka: kafka, target: target, logger: logger)
            case .baseline: try await BarePipeline.start(kafka: kafka, target: target, logger: logger)
            }
            // The consumer groups join and the routes and endpoints load before anything is timed.
            do {
                let warmup = try await runner.run(pipeline, rate: 100, seconds: 1, phase: .fixed, number: -(first + 1), drainTimeout: .seconds(90))
                guard warmup.drained else { throw BenchFailure(description: "the \(side.rawValue) pipeline delivered \(warmup.delivered) of \(warmup.events) warm-up events within 90 s") }
            } catch {
                await pipeline.stop()
                throw error
            }
            return pipeline
        }
        var pipeline = try await start()
        var runs: [EndToEndRun] = []
        var search = MaxRateSearch(start: rates[0], maximumSteps: searchSteps)
        do {
            func measure(_ rate: Double, seconds: Double, phase: EndToEndRun.Phase) async throws -> EndToEndRun {
                let run = try await runner.run(pipeline, rate: rate, seconds: seconds, phase: phase, number: first + runs.count)
                runs.append(run)
                print("  \(side.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(phase.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)) "
                    + "\(EndToEndTable.number(rate).leftPadded(7)) events/s → delivered \(EndToEndTable.number(run.verdict.deliveredRate).leftPadded(7))/s, "
                    + "p50 / p95 / p99 \(EndToEndTable.latency(run)) ms, \(run.verdict.sustained ? "kept up" : "behind")"
                    + (run.drained ? "" : ", \(run.events - run.delivered) undelivered after the drain timeout")
                    + (run.repeats > 0 ? ", \(run.repeats) repeats" : "") + (run.publishErrors > 0 ? ", \(run.publishErrors) rejected" : ""))
                if !run.drained {
                    await pipeline.stop()
                    pipeline = try await start()
                }
                return run
            }
            for rate in rates {
                let run = try await measure(rate, seconds: duration, phase: .fixed)
                search.seed(rate: rate, sustained: run.verdict.sustained)
            }
            while let rate = search.next() {
                let run = try await measure(rate, seconds: searchDuration, phase: .search)
                search.record(rate: rate, sustained: run.verdict.sustained)
            }
        } catch {
            await pipeline.stop()
            throw error
        }
        await pipeline.stop()
        return (runs, search.highestSustained)
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        String(repeating: " ", count: max(0, width - count)) + self
    }
}
