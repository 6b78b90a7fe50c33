CREATE TABLE "agent_enrolment_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"token_hash" text NOT NULL,
	"queues" jsonb NOT NULL,
	"uses_left" integer,
	"expires_at" timestamp with time zone NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "credential_hash" text;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "allowed_queues" jsonb;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "enrolled_with" text;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "revoked_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "agent_enrolment_tokens_token_hash_unique" ON "agent_enrolment_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "agents_credential_hash_unique" ON "agents" USING btree ("credential_hash");