CREATE TABLE "caches" (
	"id" text PRIMARY KEY NOT NULL,
	"repo" text NOT NULL,
	"scope" text NOT NULL,
	"key" text NOT NULL,
	"object_key" text NOT NULL,
	"format" text NOT NULL,
	"size" bigint NOT NULL,
	"sha256" text NOT NULL,
	"run_id" text NOT NULL,
	"job_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "job_cache_reports" (
	"job_id" text NOT NULL,
	"attempt" integer NOT NULL,
	"reports" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "job_cache_reports_job_id_attempt_pk" PRIMARY KEY("job_id","attempt")
);
--> statement-breakpoint
ALTER TABLE "job_cache_reports" ADD CONSTRAINT "job_cache_reports_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "caches_repo_scope_key_unique" ON "caches" USING btree ("repo","scope","key");--> statement-breakpoint
CREATE INDEX "caches_last_used_idx" ON "caches" USING btree ("last_used_at");