import HeraldCore
import Testing

/// Pure matching: one table per filter kind, then the index's cost and result order.
@Suite struct RouteMatchingTests {
    static let event = EventAttributes(
        id: "e-1", source: "/shop/orders", type: "com.example.order.shipped", subject: "order-42",
        extensions: ["tenant": "acme", "region": "eu"])

    struct Case: CustomStringConvertible {
        let rule: RouteRule
        let matches: Bool
        var description: String { "\(rule.id) → \(matches)" }
    }

    static func rule(_ id: String, types: [String] = [], sources: [String] = [], subject: String = "",
                     extensions: [String: String] = [:], enabled: Bool = true) -> RouteRule {
        RouteRule(id: id, types: types, sources: sources, subjectPrefix: subject, extensions: extensions, endpointIDs: ["ep"], enabled: enabled)
    }

    static let cases: [Case] = [
        // Empty filter: everything.
        Case(rule: rule("empty"), matches: true),
        // Types: exact, prefix, any, several patterns.
        Case(rule: rule("type-exact", types: ["com.example.order.shipped"]), matches: true),
        Case(rule: rule("type-exact-other", types: ["com.example.order.created"]), matches: false),
        Case(rule: rule("type-exact-is-not-prefix", types: ["com.example.order"]), matches: false),
        Case(rule: rule("type-prefix", types: ["com.example.*"]), matches: true),
        Case(rule: rule("type-prefix-whole", types: ["com.example.order.shipped*"]), matches: true),
        Case(rule: rule("type-prefix-other", types: ["com.other.*"]), matches: false),
        Case(rule: rule("type-any", types: ["*"]), matches: true),
        Case(rule: rule("type-one-of", types: ["a.b", "com.example.order.*"]), matches: true),
        Case(rule: rule("type-none-of", types: ["a.b", "c.*"]), matches: false),
        Case(rule: rule("type-case-sensitive", types: ["COM.example.*"]), matches: false),
        // Sources.
        Case(rule: rule("source-exact", sources: ["/shop/orders"]), matches: true),
        Case(rule: rule("source-exact-other", sources: ["/shop"]), matches: false),
        Case(rule: rule("source-prefix", sources: ["/shop/*"]), matches: true),
        Case(rule: rule("source-prefix-other", sources: ["/billing/*"]), matches: false),
        // Subject prefix.
        Case(rule: rule("subject-prefix", subject: "order-"), matches: true),
        Case(rule: rule("subject-whole", subject: "order-42"), matches: true),
        Case(rule: rule("subject-longer", subject: "order-420"), matches: false),
        Case(rule: rule("subject-other", subject: "invoice-"), matches: false),
        // Extensions: all listed must be present and equal.
        Case(rule: rule("ext-equal", extensions: ["tenant": "acme"]), matches: true),
        Case(rule: rule("ext-both", extensions: ["tenant": "acme", "region": "eu"]), matches: true),
        Case(rule: rule("ext-different-value", extensions: ["tenant": "globex"]), matches: false),
        Case(rule: rule("ext-absent", extensions: ["plan": "gold"]), matches: false),
        Case(rule: rule("ext-one-wrong", extensions: ["tenant": "acme", "region": "us"]), matches: false),
        Case(rule: rule("ext-value-is-not-prefix", extensions: ["tenant": "ac"]), matches: false),
        // Kinds combine with AND.
        Case(rule: rule("all-kinds", types: ["com.example.*"], sources: ["/shop/orders"], subject: "order", extensions: ["region": "eu"]), matches: true),
        Case(rule: rule("all-but-source", types: ["com.example.*"], sources: ["/billing"], subject: "order", extensions: ["region": "eu"]), matches: false),
        Case(rule: rule("all-but-subject", types: ["com.example.*"], sources: ["/shop/*"], subject: "x", extensions: ["region": "eu"]), matches: false),
        Case(rule: rule("type-and-source-prefix", types: ["com.example.order.shipped"], sources: ["/shop/*"]), matches: true),
        // Disabled routes never match.
        Case(rule: rule("disabled", enabled: false), matches: false),
    ]

    @Test(arguments: cases)
    func eachFilterKindMatchesAsAPIDescribes(_ testCase: Case) {
        // Alone in the index, and among every other case (other routes never change the answer).
        let alone = RouteIndex([testCase.rule]).matchingRules(Self.event).map(\.id)
        #expect(alone == (testCase.matches ? [testCase.rule.id] : []))
        let together = RouteIndex(Self.cases.map(\.rule)).matchingRules(Self.event).map(\.id)
        #expect(together.contains(testCase.rule.id) == testCase.matches)
    }

    @Test func subjectPrefixNeedsASubjectAndEmptyPrefixTakesAny() {
        var noSubject = Self.event
        noSubject.subject = ""
        #expect(RouteIndex([Self.rule("s", subject: "order")]).matchingRules(noSubject).isEmpty)
        #expect(RouteIndex([Self.rule("s")]).matchingRules(noSubject).map(\.id) == ["s"])
    }

    @Test func targetsAreOnePerRouteAndEndpointInRouteIDOrder() {
        let index = RouteIndex([
            RouteRule(id: "b", types: ["com.example.*"], endpointIDs: ["e2", "e1", "e2"]),
            RouteRule(id: "a", sources: ["/shop/orders"], endpointIDs: ["e1"]),
            // Two of its patterns match: still one route.
            RouteRule(id: "c", types: ["com.example.order.shipped", "com.*"], endpointIDs: ["e3"]),
            RouteRule(id: "d", types: ["nope"], endpointIDs: ["e4"]),
        ])
        #expect(index.targets(for: Self.event) == [
            RouteTarget(routeID: "a", endpointID: "e1"),
            RouteTarget(routeID: "b", endpointID: "e2"),
            RouteTarget(routeID: "b", endpointID: "e1"),
            RouteTarget(routeID: "c", endpointID: "e3"),
        ])
    }

    @Test func candidatesDoNotGrowWithUnrelatedRoutes() {
        // 20 000 routes on other types, prefixes and sources; two that match.
        var rules: [RouteRule] = []
        for n in 0..<5000 {
            rules.append(Self.rule("exact-\(n)", types: ["com.example.t\(n)"]))
            rules.append(Self.rule("prefix-\(n)", types: ["com.other\(n).*"]))
            rules.append(Self.rule("source-\(n)", sources: ["/s\(n)/*"]))
            rules.append(Self.rule("source-exact-\(n)", sources: ["/x\(n)"]))
        }
        rules.append(Self.rule("hit-type", types: ["com.example.order.*"]))
        rules.append(Self.rule("hit-source", sources: ["/shop/orders"]))
        let index = RouteIndex(rules)
        #expect(index.count == 20_002)
        #expect(index.candidates(for: Self.event).count == 2)
        #expect(index.matchingRules(Self.event).map(\.id) == ["hit-source", "hit-type"])
    }

    @Test(arguments: [
        (RouteRule(id: "", endpointIDs: ["e"]), "route.id"),
        (RouteRule(id: "r", types: ["a*b"], endpointIDs: ["e"]), "route.filter.types[0]"),
        (RouteRule(id: "r", types: ["ok", ""], endpointIDs: ["e"]), "route.filter.types[1]"),
        (RouteRule(id: "r", sources: ["*/x"], endpointIDs: ["e"]), "route.filter.sources[0]"),
        (RouteRule(id: "r", endpointIDs: []), "route.endpoint_ids"),
        (RouteRule(id: "r", endpointIDs: ["e", ""]), "route.endpoint_ids[1]"),
    ])
    func invalidRoutesNameTheField(_ rule: RouteRule, _ field: String) {
        #expect(rule.violation?.hasPrefix(field + ":") == true, "\(rule.violation ?? "valid")")
    }

    @Test func validRouteHasNoViolation() {
        #expect(RouteRule(id: "r", types: ["*", "a.*", "a.b"], sources: ["/x/*"], endpointIDs: ["e"]).violation == nil)
    }

}

@Suite struct DedupeWindowTests {
    @Test func keysAreRememberedUntilTheRetentionPassesThenExpireOldestFirst() {
        var window = DedupeWindow(retentionMilliseconds: 1000)
        window.insert("s|1", at: 100)
        window.insert("s|2", at: 500)
        #expect(window.contains("s|1") && window.contains("s|2"))
        #expect(window.expire(now: 1099).isEmpty)
        #expect(window.expire(now: 1100) == ["s|1"])
        #expect(!window.contains("s|1") && window.contains("s|2"))
        #expect(window.expire(now: 10_000) == ["s|2"])
        #expect(window.count == 0)
    }

    @Test func expiryIsBoundedPerCall() {
        var window = DedupeWindow(retentionMilliseconds: 10)
        for n in 0..<5 { window.insert("k\(n)", at: Int64(n)) }
        #expect(window.expire(now: 1000, limit: 2) == ["k0", "k1"])
        #expect(window.expire(now: 1000, limit: 10) == ["k2", "k3", "k4"])
    }

    @Test func restoredChangelogAppliesValuesAndTombstones() {
        var window = DedupeWindow(retentionMilliseconds: 1000)
        window.apply(key: "s|1", value: DedupeRecord.value(time: 10))
        window.apply(key: "s|2", value: DedupeRecord.value(time: 20))
        window.apply(key: "s|1", value: nil)
        window.apply(key: "s|3", value: DedupeRecord.value(time: 5000))
        #expect(!window.contains("s|1"))
        #expect(window.firstSeen("s|2") == 20)
        // Keys restored already past the retention are pruned (tombstoned) at the first chance.
        #expect(window.expire(now: 2000) == ["s|2"])
        #expect(window.contains("s|3"))
    }

    @Test func aKeySeenAgainAfterExpiryIsNotExpiredByItsOldEntry() {
        var window = DedupeWindow(retentionMilliseconds: 100)
        window.insert("k", at: 0)
        #expect(window.expire(now: 100) == ["k"])
        window.insert("k", at: 150)
        #expect(window.expire(now: 200).isEmpty)
        #expect(window.contains("k"))
    }
}
