import Foundation
@testable import HeraldDelivery
import HeraldProtos
import SwiftProtobuf
import Testing

/// The SQLite log runs `$N` placeholders as `?N`, parameters by number, and nothing else changes.
struct SQLiteParametersTests {
    @Test func everyPlaceholderBecomesAParameterOfTheSameNumber() {
        #expect(SQLiteParameters.numbered("INSERT INTO t (a, b) VALUES ($1, $2), ($3, $12)") == "INSERT INTO t (a, b) VALUES (?1, ?2), (?3, ?12)")
        #expect(SQLiteParameters.numbered("SELECT * FROM t WHERE a = $1 OR b = $1") == "SELECT * FROM t WHERE a = ?1 OR b = ?1")
        #expect(SQLiteParameters.numbered("$1") == "?1")
    }

    @Test func quotedTextIdentifiersAndADollarWithoutDigitsStayAsTheyAre() {
        #expect(SQLiteParameters.numbered("SELECT '$1', \"c$2\" FROM t WHERE e <> '' AND a = $3") == "SELECT '$1', \"c$2\" FROM t WHERE e <> '' AND a = ?3")
        #expect(SQLiteParameters.numbered("SELECT 'it''s $1' WHERE x = $2") == "SELECT 'it''s $1' WHERE x = ?2")
        #expect(SQLiteParameters.numbered("SELECT a$1, _$2, é$3 FROM t") == "SELECT a$1, _$2, é$3 FROM t")
        #expect(SQLiteParameters.numbered("SELECT $x, $ 1, $") == "SELECT $x, $ 1, $")
    }

    @Test func theLogsOwnStatementsKeepTheirPlaceholderCount() {
        let statement = LogBatch.upsert([.with { $0.deliveryID = "d" }, .with { $0.deliveryID = "e" }])
        let numbered = SQLiteParameters.numbered(statement.sql)
        #expect(!numbered.contains("$"))
        #expect(numbered.components(separatedBy: "?").count - 1 == statement.binds.count)
    }
}
