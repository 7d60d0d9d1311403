import CSQLite
import Synchronization

/// What the change check (``Database/changeState()``) may read without taking the connection: the WAL-index
/// header and the count of external commits at the connection's last full check, and a mapping of the WAL-index
/// of its own.
///
/// The check's full form runs with the connection held: it compares the WAL-index header with the one read before
/// its last `PRAGMA data_version`, and runs the pragma when it moved. The shortcut makes the same comparison from
/// another thread, without waiting for the connection: when the header read now through ``region`` equals the
/// published one, no transaction of any process has committed since that full check (every commit rewrites the
/// header before it returns), so the published count is current. Otherwise the caller takes the full check.
///
/// The connection's holder publishes (``publish(isOpen:header:externalChanges:)``) after each full check and each
/// statement; the shortcut is closed while a transaction is open on the connection (its uncommitted changes are
/// only known with the connection held), outside WAL mode, and before the first full check.
///
/// ``region`` is a second mapping of the WAL-index's first page (`locmem_wal_index_duplicate`), unmapped only when
/// this object goes: SQLite unmaps its own when a journal mode change closes the WAL, possibly while another
/// thread reads through the shortcut. Before such a change, ``retire()`` puts a page of zeros in its place.
///
/// - Note: `Sendable`: everything is atomic. The published words are a seqlock: ``sequence`` is odd while the
///   connection's holder (the only writer) rewrites them, and a reader keeps what it read only when the sequence
///   was even and unchanged around its reads.
final class ChangeCheckShortcut: Sendable {
    private let sequence = Atomic<UInt64>(0)
    private let isOpen = Atomic<Bool>(false)
    private let header: InlineArray<6, Atomic<UInt64>> = InlineArray { _ in Atomic(0) }
    private let externalChanges = Atomic<UInt64>(0)
    /// The address of the mapping from `locmem_wal_index_duplicate`, or 0. Set once.
    private let region = Atomic<UInt>(0)

    deinit {
        if let mapping = UnsafeRawPointer(bitPattern: region.load(ordering: .relaxed)) {
            locmem_wal_index_unmap(mapping)
        }
    }

    /// Whether the shortcut has its own mapping of the WAL-index.
    var hasRegion: Bool {
        region.load(ordering: .relaxed) != 0
    }

    /// Makes a mapping of its own of SQLite's WAL-index `region`, once. Called with the connection held.
    func mapRegion(like region: UnsafeRawPointer) {
        guard !hasRegion, let copy = locmem_wal_index_duplicate(region) else { return }
        self.region.store(UInt(bitPattern: copy), ordering: .releasing)
    }

    /// Closes the shortcut for good and detaches ``region`` from the `-shm` file (a page of zeros takes its
    /// place): the connection is about to leave WAL mode, after which the file may be truncated by another
    /// process, and a reader that passed its checks just before may still read the page. Called with the
    /// connection held.
    func retire() {
        publish(isOpen: false, header: nil, externalChanges: externalChanges.load(ordering: .relaxed))
        if let mapping = UnsafeRawPointer(bitPattern: region.load(ordering: .relaxed)) {
            locmem_wal_index_retire(mapping)
        }
    }

    /// Publishes the connection's last full check. Called with the connection held (the only writer).
    ///
    /// - Parameter isOpen: Whether other threads may take the shortcut: WAL mode, no transaction open, and
    ///   `header` known.
    func publish(isOpen: Bool, header: WALIndexHeader?, externalChanges: UInt64) {
        let start = sequence.load(ordering: .relaxed)
        sequence.store(start &+ 1, ordering: .relaxed)
        atomicMemoryFence(ordering: .releasing)
        let words = header?.words ?? (0, 0, 0, 0, 0, 0)
        self.isOpen.store(isOpen && header != nil, ordering: .relaxed)
        self.header[0].store(words.0, ordering: .relaxed)
        self.header[1].store(words.1, ordering: .relaxed)
        self.header[2].store(words.2, ordering: .relaxed)
        self.header[3].store(words.3, ordering: .relaxed)
        self.header[4].store(words.4, ordering: .relaxed)
        self.header[5].store(words.5, ordering: .relaxed)
        self.externalChanges.store(externalChanges, ordering: .relaxed)
        sequence.store(start &+ 2, ordering: .releasing)
    }

    /// The count of external commits, when the shortcut is open and the WAL-index header has not moved since the
    /// last full check; else `nil` (take the connection and check in full).
    ///
    /// - Complexity: O(1): about a dozen atomic loads and a 48-byte comparison; no lock.
    @inline(__always)
    func currentExternalChanges() -> UInt64? {
        let start = sequence.load(ordering: .acquiring)
        let isOpen = self.isOpen.load(ordering: .relaxed)
        let published = (
            header[0].load(ordering: .relaxed), header[1].load(ordering: .relaxed),
            header[2].load(ordering: .relaxed), header[3].load(ordering: .relaxed),
            header[4].load(ordering: .relaxed), header[5].load(ordering: .relaxed)
        )
        let count = externalChanges.load(ordering: .relaxed)
        atomicMemoryFence(ordering: .acquiring)
        guard start & 1 == 0, sequence.load(ordering: .relaxed) == start, isOpen,
              let mapping = UnsafeRawPointer(bitPattern: region.load(ordering: .acquiring))
        else { return nil }
        return WALIndexHeader(region: mapping).words == published ? count : nil
    }
}
