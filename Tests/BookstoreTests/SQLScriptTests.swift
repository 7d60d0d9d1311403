@testable import Bookstore
import Testing

/// The fixtures loader's statement splitter, which gives failures their line numbers.
@Suite struct SQLScriptTests {
    func split(_ text: String) -> [SQLScript.Statement] {
        SQLScript(text).statements
    }

    @Test func statementsEndAtSemicolonsAndKnowTheirFirstLine() {
        let statements = split("CREATE TABLE t (x);\n\n  INSERT INTO t\n  VALUES (1);\nSELECT 1;")
        #expect(statements == [
            .init(sql: "CREATE TABLE t (x);", line: 1),
            .init(sql: "INSERT INTO t\n  VALUES (1);", line: 3),
            .init(sql: "SELECT 1;", line: 5),
        ])
    }

    @Test func semicolonsInsideStringsIdentifiersAndCommentsDoNotSplit() {
        let text = """
            -- leading comment; not a statement
            INSERT INTO "odd;name" VALUES ('it''s; fine', [a;b], `c;d`); /* trailing; comment */
            /* block
               comment; */ SELECT 'x';
            """
        let statements = split(text)
        #expect(statements.map(\.line) == [2, 4])
        #expect(statements.first?.sql == #"INSERT INTO "odd;name" VALUES ('it''s; fine', [a;b], `c;d`);"#)
        #expect(statements.last?.sql == "SELECT 'x';")
    }

    @Test func aTriggerBodyStaysOneStatement() {
        let text = """
            CREATE TEMP TRIGGER t AFTER INSERT ON a BEGIN
                INSERT INTO b VALUES (1);
                DELETE FROM c;
            END;
            SELECT 1;
            """
        let statements = split(text)
        #expect(statements.count == 2)
        #expect(statements.first?.sql.hasSuffix("END;") == true)
        #expect(statements.last == .init(sql: "SELECT 1;", line: 5))
    }

    @Test func textAfterTheLastSemicolonIsAStatementAndBlankTextIsNone() {
        #expect(split("SELECT 1; SELECT 2") == [.init(sql: "SELECT 1;", line: 1), .init(sql: "SELECT 2", line: 1)])
        #expect(split("  \n -- only a comment\n").isEmpty)
        #expect(split("").isEmpty)
    }

    @Test func operatorsThatLookLikeCommentsDoNotHideTheEnd() {
        let statements = split("SELECT 1 - -2 / 3 FROM t\nWHERE a > 0; SELECT 4;")
        #expect(statements == [
            .init(sql: "SELECT 1 - -2 / 3 FROM t\nWHERE a > 0;", line: 1),
            .init(sql: "SELECT 4;", line: 2),
        ])
    }

    @Test func anUnterminatedStringRunsToTheEndAsOneStatement() {
        #expect(split("INSERT INTO t VALUES ('open; SELECT 2;\n") == [
            .init(sql: "INSERT INTO t VALUES ('open; SELECT 2;\n", line: 1),
        ])
    }

    @Test func unicodeTextIsKeptIntact() {
        let sql = "INSERT INTO a VALUES ('Zoë; Dvořák');"
        #expect(split(sql) == [.init(sql: sql, line: 1)])
    }
}
