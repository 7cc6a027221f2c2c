import ArgumentParser
import HeraldKafka
import Testing

@testable import HeraldBench

/// The benchmarks and the seed scenario take `--kafka-brokers`, `--events` and `--rounds` from one
/// option group: each must reach the command it was written for, with that command's defaults.
@Suite struct BenchOptionsTests {
    @Test func aBenchmarkGetsTheSharedOptionsWrittenAfterItsName() throws {
        let parsed = try HeraldBench.parseAsRoot(["route", "--kafka-brokers", "10.0.0.7:9093", "--events", "7", "--rounds", "3"])
        let route = try #require(parsed as? RouteBenchCommand)
        #expect(route.shared.kafkaBrokers == "10.0.0.7:9093")
        #expect(route.events == 7)
        #expect(route.rounds == 3)

        let kafka = try #require(try HeraldBench.parseAsRoot(["kafka", "--kafka-brokers", "10.0.0.8:9093", "--rounds", "1"]) as? KafkaBenchCommand)
        #expect(kafka.shared.kafkaBrokers == "10.0.0.8:9093")
        #expect(kafka.rounds == 1)

        let e2e = try #require(try HeraldBench.parseAsRoot(["e2e", "--kafka-brokers", "10.0.0.9:9093"]) as? EndToEndBenchCommand)
        #expect(e2e.shared.kafkaBrokers == "10.0.0.9:9093")
    }

    @Test func theBrokerListBecomesTheBenchmarksKafkaConfiguration() throws {
        let parsed = try HeraldBench.parseAsRoot(["publish", "--kafka-brokers", "10.0.0.7:9093,10.0.0.8:9094"])
        let kafka = try #require(parsed as? PublishBenchCommand).shared.kafka(requestTimeout: .seconds(20))
        #expect(kafka.bootstrapServers == ["10.0.0.7:9093", "10.0.0.8:9094"])
        #expect(kafka.requestTimeout == .seconds(20))
    }

    @Test func theRegistryBenchmarksOptionsAreItsPlan() throws {
        let parsed = try HeraldBench.parseAsRoot(["registry", "--duration", "3", "--register-duration", "2", "--schemas", "5", "--skip-baseline"])
        let plan = try #require(parsed as? RegistryBenchCommand).plan
        #expect(plan.readSeconds == 3)
        #expect(plan.registerSeconds == 2)
        #expect(plan.schemas == 5)
        #expect(plan.concurrency == 16)
        #expect(!plan.baseline)
        #expect(throws: (any Error).self) { try HeraldBench.parseAsRoot(["registry", "--duration", "0"]) }
    }

    @Test func eachBenchmarkKeepsItsOwnDefaults() throws {
        let route = try #require(try HeraldBench.parseAsRoot(["route"]) as? RouteBenchCommand)
        #expect(route.events == 50_000)
        #expect(route.rounds == 2)
    }

    @Test func theSeedScenarioTakesTheSameOptions() throws {
        let seed = try #require(try HeraldBench.parseAsRoot(["seed", "--kafka-brokers", "10.0.0.7:9093", "--events", "40", "--rounds", "1", "--rate", "20", "--kill-seed", "9"]) as? SeedCommand)
        #expect(seed.shared.kafkaBrokers == "10.0.0.7:9093")
        #expect(seed.shared.events == 40)
        #expect(seed.shared.rounds == 1)
        #expect(seed.rate == 20)
        #expect(seed.killSeed == 9)
    }

    @Test func chaosAndTheNaiveWorkerAreSubcommandsOfTheBenchTool() throws {
        let chaos = try #require(try HeraldBench.parseAsRoot(["chaos", "--events", "10", "--rounds", "1"]) as? ChaosCommand)
        #expect(chaos.events == 10)
        #expect(chaos.rounds == 1)
        let worker = try HeraldBench.parseAsRoot([
            "naive-worker", "--role", "ingest", "--bootstrap-servers", "127.0.0.1:1", "--topic", "t", "--group", "g",
            "--instance-id", "i", "--receiver-url", "http://127.0.0.1:2",
        ])
        #expect(worker is NaiveWorkerCommand)
    }

    @Test(arguments: [["route", "--events", "0"], ["route", "--rounds", "-1"], ["seed", "--rate", "0"]])
    func badValuesAreRefusedWithTheOptionsName(arguments: [String]) {
        do {
            _ = try HeraldBench.parseAsRoot(arguments)
            Issue.record("accepted \(arguments)")
        } catch {
            #expect(HeraldBench.message(for: error).contains(arguments[1]))
        }
    }
}
