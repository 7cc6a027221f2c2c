import ArgumentParser
import HeraldRuntime
import Testing

/// `--audit-topic` is one option group shared by the registry, router, delivery and `herald audit`.
@Suite struct AuditTopicOptionTests {
    @Test func namesTheTopicAndDefaultsToTheAuditLogs() throws {
        #expect(try AuditTopicOption.parse(["--audit-topic", "team.audit"]).topic == "team.audit")
        #expect(try AuditTopicOption.parse([]).topic == AuditLog.defaultTopic)
    }
}
