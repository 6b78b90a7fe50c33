ALTER TABLE "log_chunks" ADD COLUMN "plain_bytes" integer;--> statement-breakpoint
-- Large chunks arrive gzip-compressed: Postgres need not try to compress them again.
ALTER TABLE "log_chunks" ALTER COLUMN "data" SET STORAGE EXTERNAL;
