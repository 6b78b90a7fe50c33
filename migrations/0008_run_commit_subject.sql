ALTER TABLE "runs" ADD COLUMN "author_name" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "commit_subject" text;