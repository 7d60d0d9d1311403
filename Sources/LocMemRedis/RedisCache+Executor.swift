import RedisClient

extension RedisCache {
    /// An executor that runs tasks on the event loop of one of this cache's connections, for
    /// `Task(executorPreference:)` and `withTaskExecutorPreference(_:operation:)`: a task that
    /// prefers it writes its commands and is resumed by their replies on that loop's thread.
    ///
    /// On Swift's default global executor, a task awaiting a reply is resumed on another thread
    /// than the event loop that read it, and its next command is handed back to the loop: each
    /// round trip wakes two parked threads besides the reply's own wake-up. A task preferring this
    /// executor does a round trip on one thread, as a blocking client does (redis-py,
    /// `redis-benchmark`). Not needed when NIO's event loops are already the concurrency executor
    /// (`NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()`,
    /// as `locmem` has it): the pool then uses the connection on the caller's loop.
    ///
    /// Each access hands out the next connection's loop in turn, so that preferring tasks spread
    /// over the pool's loops.
    ///
    /// - Note: Code running under the preference runs on the event loop's thread: work that blocks
    ///   or computes for long there delays every connection on that loop. Keep it to awaiting the
    ///   cache and light work; hand heavy work to another executor.
    public var preferredTaskExecutor: any TaskExecutor { pool.nextTaskExecutor() }

    /// Runs `body` with ``preferredTaskExecutor`` as its task-executor preference: the cache calls
    /// inside do their round trips on one thread, with no hop to the global executor between a reply
    /// and the next command.
    ///
    /// ```swift
    /// let names = try await cache.withPreferredExecutor {
    ///     var names: [String?] = []
    ///     for id in ids { names.append(try await cache.get("name:\(id)", as: String.self)) }
    ///     return names
    /// }
    /// ```
    ///
    /// The caller's isolation is kept (an actor's code stays on the actor); only the nonisolated
    /// code inside, which includes this cache's methods, moves to the loop. See
    /// ``preferredTaskExecutor`` for what not to run there.
    nonisolated(nonsending) public func withPreferredExecutor<T, Failure: Error>(
        _ body: () async throws(Failure) -> T
    ) async throws(Failure) -> T {
        try await withTaskExecutorPreference(pool.nextTaskExecutor(), operation: body)
    }
}
