-- Notion connector: proxy resources over the Notion REST API, version 2022-06-28.
-- Reference: https://developers.notion.com/reference/intro

local connector = {
  name = "notion",
  description = "Notion pages, blocks, databases, users and search",
  base_url = "https://api.notion.com",
  headers = {
    ["Notion-Version"] = "2022-06-28",
  },

  auth = { kind = "bearer", field = "access_token" },
  secrets = { "access_token", "refresh_token" },

  -- Notion pages through lists with `start_cursor` (sent) and `next_cursor` plus
  -- `has_more` (returned). GET endpoints take the cursor in the query, POST endpoints
  -- in the JSON body.
  pagination = {
    cursor = {
      style = "cursor",
      param = "start_cursor",
      location = "query",
      next = "next_cursor",
      has_more = "has_more",
    },
    body_cursor = {
      style = "cursor",
      param = "start_cursor",
      location = "body",
      next = "next_cursor",
      has_more = "has_more",
    },
  },
  records = "results",

  -- Notion answers 429 with Retry-After in seconds; 409 is a transient conflict.
  retryable_statuses = { 409, 429, 500, 502, 503, 504 },
  rate_limit = { retry_after = "Retry-After" },

  -- Error bodies look like {"object": "error", "status": 404, "code": "object_not_found",
  -- "message": "..."}. A proxy or gateway in front of Notion can send one with status
  -- 200, so `when` marks any body with `object = "error"` as an error.
  errors = { message = "message", when = { object = "error" }, status = "status" },

  resources = {
    ["block-children"] = {
      list = {
        method = "GET",
        path = "/v1/blocks/{block_id}/children",
        query = { page_size = 100 },
        pagination = "cursor",
      },
    },
    blocks = {
      get = { method = "GET", path = "/v1/blocks/{block_id}" },
      update = { method = "PATCH", path = "/v1/blocks/{block_id}" },
      delete = { method = "DELETE", path = "/v1/blocks/{block_id}" },
    },
    pages = {
      get = { method = "GET", path = "/v1/pages/{page_id}" },
      create = { method = "POST", path = "/v1/pages" },
      update = { method = "PATCH", path = "/v1/pages/{page_id}" },
    },
    databases = {
      get = { method = "GET", path = "/v1/databases/{database_id}" },
    },
    ["database-rows"] = {
      list = {
        method = "POST",
        path = "/v1/databases/{database_id}/query",
        body = { page_size = 100 },
        pagination = "body_cursor",
      },
    },
    users = {
      list = {
        method = "GET",
        path = "/v1/users",
        query = { page_size = 100 },
        pagination = "cursor",
      },
      get = { method = "GET", path = "/v1/users/{user_id}" },
    },
    search = {
      list = {
        method = "POST",
        path = "/v1/search",
        body = { page_size = 100 },
        pagination = "body_cursor",
      },
    },
  },
}

return connector
