// swift-tools-version:6.0
import PackageDescription

// The same upcoming features on every target (see ../shared/STYLE.md section 6).
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "GovChain",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "govchain-node", targets: ["NodeCLI"]),
        .executable(name: "govchain", targets: ["ClientCLI"]),
        .library(name: "Ledger", targets: ["Ledger"]),
        .library(name: "Consensus", targets: ["Consensus"]),
        .library(name: "Simulation", targets: ["Simulation"]),
        .library(name: "Contracts", targets: ["Contracts"]),
        .library(name: "Execution", targets: ["Execution"]),
        .library(name: "GovChainAPI", targets: ["GovChainAPI"]),
        .library(name: "Client", targets: ["Client"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras", exact: "1.35.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl", exact: "2.37.6"),
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
    ],
    targets: [
        // System libraries from Debian (librocksdb-dev, libsodium-dev, libssl-dev).
        .systemLibrary(name: "CRocksDB", pkgConfig: "rocksdb", providers: [.apt(["librocksdb-dev"])]),
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        // Vocabulary: codec, hashing, signatures, chain types, Merkle trees. No I/O.
        .target(name: "Ledger", dependencies: ["CSodium", "COpenSSL"], swiftSettings: strictSettings),
        // The BFT protocol as a pure state machine.
        .target(name: "Consensus", dependencies: ["Ledger"], swiftSettings: strictSettings),
        // Contract runtime and the government-service contracts.
        .target(name: "Contracts", dependencies: ["Ledger"], swiftSettings: strictSettings),
        // The application behind the consensus boundary: the chain executor over storage
        // ports, shared by the node (RocksDB) and the simulator (in memory). No I/O.
        .target(
            name: "Execution",
            dependencies: [
                "Ledger", "Consensus", "Contracts",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // Deterministic simulator of n production replicas over the real executor and
        // contracts (shipped, used by `simulate`).
        .target(
            name: "Simulation", dependencies: ["Consensus", "Ledger", "Contracts", "Execution"],
            swiftSettings: strictSettings),
        // Key files on disk (0600), shared by the node and the client.
        .target(name: "KeyFiles", dependencies: ["Ledger"], swiftSettings: strictSettings),
        // The HTTP API's wire types (Codable, snake_case), shared by the node that answers
        // with them and every client that decodes them; openapi.json describes the same
        // types and APIDocumentTests holds the two together.
        .target(name: "GovChainAPI", dependencies: ["Ledger", "Contracts"], swiftSettings: strictSettings),
        // One peer: storage, transport, mempool, executor, API.
        .target(
            name: "Node",
            dependencies: [
                "Ledger", "Consensus", "Contracts", "Execution", "KeyFiles", "GovChainAPI", "CRocksDB", "CSodium",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOFoundationEssentialsCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            // The OpenAPI document the node serves at /openapi.json and the browser
            // explorer it serves at /explorer/ (both kept in the repo, no build step).
            resources: [.copy("API/openapi.json"), .copy("Explorer")],
            swiftSettings: strictSettings
        ),
        // The library the service platform uses.
        .target(
            name: "Client",
            dependencies: [
                "Ledger", "Contracts", "KeyFiles", "GovChainAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictSettings
        ),

        .executableTarget(
            name: "NodeCLI",
            dependencies: [
                "Node", "Ledger", "Simulation", "Consensus", "Contracts", "Execution", "KeyFiles", "GovChainAPI",
                // `status` asks an HTTPS API trusting a CA file, as the client library does.
                "Client",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // This machine's ceiling (Ed25519, SHA-256, RocksDB synced batches) and load generation.
        .target(
            name: "Benchmarks",
            dependencies: [
                "Ledger", "Contracts", "Client", "GovChainAPI", "CRocksDB",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "ClientCLI",
            dependencies: [
                "Client", "Ledger", "Contracts", "KeyFiles", "GovChainAPI", "Benchmarks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: strictSettings
        ),

        .testTarget(name: "LedgerTests", dependencies: ["Ledger"], swiftSettings: strictSettings),
        .testTarget(
            name: "ConsensusTests", dependencies: ["Consensus", "Simulation", "Ledger", "Execution", "Contracts"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "ExecutionTests", dependencies: ["Execution", "Consensus", "Contracts", "Ledger"],
            swiftSettings: strictSettings),
        .testTarget(name: "ContractsTests", dependencies: ["Contracts", "Ledger"], swiftSettings: strictSettings),
        .testTarget(
            name: "NodeTests",
            dependencies: [
                "Node", "Ledger", "Consensus", "Contracts", "Execution", "Client", "KeyFiles", "GovChainAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings),
    ]
)
