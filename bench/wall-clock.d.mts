export declare function calibrateClock(): void;
export declare function wallNs(): bigint;
export declare function msBetween(fromNs: bigint, toNs: bigint): number;
