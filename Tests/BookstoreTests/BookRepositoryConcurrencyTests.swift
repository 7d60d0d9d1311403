import Bookstore
import Dispatch
import LocMem
import SQLiteStore
import Synchronization
import Testing

/// Concurrent readers of one cold key share one query (the cache's single-flight `getOrSet`).
/// Counts come from SQLite's trace hook (`Database.queryCount`), not from the repository.
@Suite struct BookRepositoryConcurrencyTests {
    static let readers = 64

    @Test(arguments: DatabaseKind.allCases)
    func concurrentThreadsReadingOneColdBookRunOneQuery(kind: DatabaseKind) throws {
        let store = try TestBookstore(kind)
        let repo = store.repository
        let results = Mutex<[Book?]>([])
        let failures = Mutex<[String]>([])
        let before = store.database.queryCount
        DispatchQueue.concurrentPerform(iterations: Self.readers) { _ in
            do {
                let book = try repo.book(id: 7)
                results.withLock { $0.append(book) }
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        #expect(store.database.queryCount - before == 1)
        #expect(failures.withLock { $0 }.isEmpty)
        let books = results.withLock { $0 }
        #expect(books.count == Self.readers)
        #expect(Set(books.map { $0?.id }) == [7])
    }

    @Test(arguments: DatabaseKind.allCases)
    func concurrentThreadsReadingColdTopRatedBooksRunOneQuery(kind: DatabaseKind) throws {
        let store = try TestBookstore(kind)
        let repo = store.repository
        let results = Mutex<Set<[BookRating]>>([])
        let failures = Mutex<Int>(0)
        let before = store.database.queryCount
        DispatchQueue.concurrentPerform(iterations: Self.readers) { _ in
            if let top = try? repo.topRatedBooks(limit: 10) {
                results.withLock { _ = $0.insert(top) }
            } else {
                failures.withLock { $0 += 1 }
            }
        }
        #expect(store.database.queryCount - before == 1)
        #expect(failures.withLock { $0 } == 0)
        #expect(results.withLock { $0.count } == 1, "every reader got the same list")
    }

    @Test(arguments: DatabaseKind.allCases)
    func concurrentTasksReadingOneColdAuthorListRunOneQuery(kind: DatabaseKind) async throws {
        let store = try TestBookstore(kind)
        let repo = store.repository
        let before = store.database.queryCount
        let lists = try await withThrowingTaskGroup(of: [Book].self) { group in
            for _ in 0..<Self.readers {
                group.addTask { try repo.books(byAuthor: 1) }
            }
            var lists: [[Book]] = []
            for try await list in group {
                lists.append(list)
            }
            return lists
        }
        #expect(store.database.queryCount - before == 1)
        #expect(lists.count == Self.readers)
        #expect(Set(lists).count == 1)
        #expect(lists.first?.isEmpty == false)
    }

    @Test func concurrentTasksReadingOneMissingBookRunOneQuery() async throws {
        let store = try TestBookstore()
        let repo = store.repository
        let before = store.database.queryCount
        let found = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<Self.readers {
                group.addTask { try repo.book(id: 123_456_789) != nil }
            }
            var found = 0
            for try await isFound in group where isFound {
                found += 1
            }
            return found
        }
        #expect(store.database.queryCount - before == 1)
        #expect(found == 0)
    }
}
