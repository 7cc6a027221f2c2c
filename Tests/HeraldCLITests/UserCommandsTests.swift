import ArgumentParser
import Testing

@testable import HeraldCLI

/// `herald` is what users install: its commands are the ones they run, and the development tools
/// (benchmarks, chaos, the naive pipeline) live in `herald-bench`.
struct UserCommandsTests {
    @Test func helpListsOnlyUserCommands() {
        let names = Herald.configuration.subcommands.map { $0._commandName }
        #expect(Set(names) == ["dev", "schema", "publish", "route", "key", "endpoint", "deliveries", "sink", "audit", "version", "smoke"])
        let help = Herald.helpMessage()
        for devOnly in ["bench", "chaos", "naive-worker"] {
            #expect(!help.contains(devOnly), "herald --help mentions \(devOnly)")
        }
    }

    @Test(arguments: ["bench", "chaos"])
    func developmentToolsAreNotHeraldCommands(name: String) {
        #expect(throws: (any Error).self) { try Herald.parseAsRoot([name]) }
    }
}
