-- Rotates through realistic link-worker searches: words (some misspelt),
-- a need, and a postcode with a distance. wrk -s search.lua …
local needs = {
  community_gardening = "NEED_GARDENING",
  debt_advice = "NEED_DEBT",
  befriending = "NEED_BEFRIENDING",
  walking = "NEED_WALKING",
}
local queries = {
  "/api/v1/directory/search?q=gardning&need=" .. needs.community_gardening .. "&postcode=ZA1+1AA&distance=25",
  "/api/v1/directory/search?q=debts&need=" .. needs.debt_advice .. "&postcode=ZB40+2DE&distance=10",
  "/api/v1/directory/search?q=friendship+lonely&need=" .. needs.befriending .. "&postcode=ZC7+5GH&distance=25",
  "/api/v1/directory/search?q=health+walks&need=" .. needs.walking .. "&postcode=ZD90&distance=25",
  "/api/v1/directory/search?q=choir&postcode=ZA12+3AB&distance=10",
}
local i = 0
request = function()
  i = i % #queries + 1
  return wrk.format("GET", queries[i], { ["Cookie"] = COOKIE })
end
