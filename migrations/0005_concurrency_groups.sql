CREATE TABLE "concurrency_locks" (
	"name" text PRIMARY KEY NOT NULL,
	"run_id" text,
	"stage_id" text,
	"acquired_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "commit_subject" text;--> statement-breakpoint
ALTER TABLE "stages" ADD COLUMN "supersede" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "concurrency_locks" ADD CONSTRAINT "concurrency_locks_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "concurrency_locks" ADD CONSTRAINT "concurrency_locks_stage_id_stages_id_fk" FOREIGN KEY ("stage_id") REFERENCES "public"."stages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "stages_waiting_for_concurrency_idx" ON "stages" USING btree ("concurrency") WHERE status = 'waiting_for_concurrency';--> statement-breakpoint
CREATE INDEX "stages_awaiting_approval_idx" ON "stages" USING btree ("name") WHERE status = 'awaiting_approval';