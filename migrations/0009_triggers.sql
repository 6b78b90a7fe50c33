CREATE TABLE "repositories" (
	"url" text PRIMARY KEY NOT NULL,
	"webhook_secret" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "full_ref" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "idempotency_fingerprint" text;--> statement-breakpoint
ALTER TABLE "stages" ADD COLUMN "skip_reason" text;