ALTER TABLE "runs" ADD COLUMN "author_email" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "committer_email" text;--> statement-breakpoint
ALTER TABLE "stages" ADD COLUMN "approval_requested_at" timestamp with time zone;