/** The workload's files and command line, as pure functions of typed input. */
export * from "./charm-config";
export * from "./jaas";
export * from "./jvm";
export * from "./log4j";
export * from "./metrics-service";
export * from "./paths";
export * from "./systemd-unit";
export * from "./zoo-cfg";
export * from "./zookeeper-versions";
