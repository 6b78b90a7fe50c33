ALTER TABLE "log_archives" ADD COLUMN "stored_offset" bigint;--> statement-breakpoint
ALTER TABLE "log_archives" ADD COLUMN "stored_length" bigint;--> statement-breakpoint
CREATE INDEX "log_archives_key_idx" ON "log_archives" USING btree ("key");