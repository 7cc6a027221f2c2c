import ArgumentParser
import Testing

@testable import HeraldCLI

/// `herald bench` declares `--kafka-brokers`, `--events` and `--rounds` for its seed scenario, and
/// its benchmarks take the same options: each must reach the command it was written for.
@Suite struct BenchOptionsTests {
    @Test func aBenchmarkGetsTheSharedOptionsWrittenAfterItsName() throws {
        let parsed = try Herald.parseAsRoot(["bench", "route", "--kafka-brokers", "10.0.0.7:9093", "--events", "7", "--rounds", "3"])
        let route = try #require(parsed as? RouteBenchCommand)
        #expect(route.brokers == "10.0.0.7:9093")
        #expect(route.events == 7)
        #expect(route.rounds == 3)

        let kafka = try #require(try Herald.parseAsRoot(["bench", "kafka", "--kafka-brokers", "10.0.0.8:9093", "--rounds", "1"]) as? KafkaBenchCommand)
        #expect(kafka.brokers == "10.0.0.8:9093")
        #expect(kafka.rounds == 1)

        let e2e = try #require(try Herald.parseAsRoot(["bench", "e2e", "--kafka-brokers", "10.0.0.9:9093"]) as? EndToEndBenchCommand)
        #expect(e2e.kafkaBrokers == "10.0.0.9:9093")
    }

    @Test func eachBenchmarkKeepsItsOwnDefaults() throws {
        let route = try #require(try Herald.parseAsRoot(["bench", "route"]) as? RouteBenchCommand)
        #expect(route.events == 50_000)
        #expect(route.rounds == 2)
    }

    @Test func theSeedScenarioTakesTheSameOptions() throws {
        let bench = try #require(try Herald.parseAsRoot(["bench", "--scenario", "seed", "--kafka-brokers", "10.0.0.7:9093", "--events", "40", "--rounds", "1", "--rate", "20"]) as? BenchCommand)
        #expect(bench.scenario.scenario == .seed)
        #expect(bench.shared.kafkaBrokers == "10.0.0.7:9093")
        #expect(bench.shared.events == 40)
        #expect(bench.shared.rounds == 1)
        #expect(bench.scenario.rate == 20)
    }

    @Test(arguments: [["--events", "0"], ["--rounds", "-1"]])
    func badValuesAreRefusedWithTheOptionsName(arguments: [String]) {
        do {
            _ = try Herald.parseAsRoot(["bench", "route"] + arguments)
            Issue.record("accepted \(arguments)")
        } catch {
            #expect(Herald.message(for: error).contains(arguments[0]))
        }
    }
}
