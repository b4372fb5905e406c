"""Wording fingerprints the offline classifier reads, as compiled patterns.

Each pattern is a family of phrasings product people use, not a list of the eval
cases: add a phrasing when a real statement shows it is missing.
"""

from __future__ import annotations

import re


def words(*alternatives: str) -> re.Pattern[str]:
    """One case-insensitive pattern matching any alternative at word boundaries."""
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", re.IGNORECASE)


# Lead-ins that say nothing about the statement itself.
LEAD_IN = re.compile(
    r"^\s*(?:(?:across|within|for|on|in) [^:]{3,80}?,\s*(?=(?:raise|increase|grow|reduce|cut|improve|get|"
    r"make|help|lift|boost|double|halve|more|fewer)\b))?(?:(?:[\w&/-]+\s+){0,3}?(?:kr|okr|key result|"
    r"objective)\s*\d*\s*[:\-]\s*)?(?:(?:our|the|my|team'?s?|q[1-4]|h[12]|this quarter'?s?|next "
    r"quarter'?s?)\s+)*(?:(?:main |primary |big |top )?(?:goal|objective|okr|kr|key result|outcome|target|"
    r"aim|priority|mission|north star)s?(?: for| this| next| in)?(?: the)?(?: quarter| year| half| sprint| "
    r"month| q[1-4]| h[12])?\s*(?:is|are|will be|:|-)\s*(?:to\s+)?)?(?:(?:we|i|the team)\s+(?:want|need|plan|"
    r"aim|hope|intend|are going|will|should|must|have)\s*(?:to\s+)?)?(?:(?:we'?re|we are|we'?ll|i'?m|we have "
    r"been|we'?ve been)\s+(?:going to\s+|gonna\s+)?)?(?:(?:what (?:we|i) (?:really )?(?:want|need|care "
    r"about) is|what matters is|the (?:real )?(?:goal|point|aim) is)\s+(?:to\s+|that\s+)?)?",
    re.IGNORECASE,
)

DELIVERY_VERB = words(
    r"deliver(?:s|ed|ing)?", r"build(?:s|ing)?", r"built", r"launch(?:es|ed|ing)?", r"ship(?:s|ped|ping)?",
    r"releas(?:e|es|ed|ing)", r"creat(?:e|es|ed|ing)", r"publish(?:es|ed|ing)?", r"implement(?:s|ed|ing)?",
    r"integrat(?:e|es|ed|ing)", r"develop(?:s|ed|ing)?", r"design(?:s|ed|ing)?", r"add(?:s|ed|ing)?",
    r"redesign(?:s|ed|ing)?", r"rebuild(?:s|ing)?", r"migrat(?:e|es|ed|ing)", r"roll(?:s|ed|ing)? out",
    r"run", r"hold", r"host", r"write", r"introduc(?:e|es|ed|ing)", r"set up", r"deploy(?:s|ed|ing)?",
    r"refactor(?:s|ed|ing)?", r"upgrad(?:e|es|ed|ing)", r"translat(?:e|es|ed|ing)", r"locali[sz]e",
    r"revamp(?:s|ed|ing)?", r"overhaul", r"replatform", r"automat(?:e|es|ed|ing)", r"complete the", r"finish",
    r"make", r"produce", r"record", r"organi[sz]e", r"offer", r"provide", r"support", r"enable", r"port",
    r"open", r"put", r"instrument", r"document", r"train", r"hire", r"recruit", r"send", r"run a", r"start a",
    r"pilot", r"prototype", r"test", r"deliverable", r"digiti[sz](?:e|es|ed|ing)",
    r"moderni[sz](?:e|es|ed|ing)", r"rewrit(?:e|es|ing)", r"replac(?:e|es|ed|ing)", r"remov(?:e|es|ed|ing)",
    r"running", r"hosting", r"writing", r"making",
)

CHANGE_VERB = words(
    r"increas(?:e|es|ed|ing)", r"reduc(?:e|es|ed|ing)", r"improv(?:e|es|ed|ing)", r"grow(?:s|ing|th)?",
    r"rais(?:e|es|ed|ing)", r"lift(?:s|ed|ing)?", r"decreas(?:e|es|ed|ing)", r"cut(?:s|ting)?",
    r"lower(?:s|ed|ing)?", r"boost(?:s|ed|ing)?", r"doubl(?:e|es|ed|ing)", r"halv(?:e|es|ed|ing)",
    r"shorten(?:s|ed|ing)?", r"speed up", r"drive", r"more", r"fewer", r"less", r"higher",
    r"maximi[sz](?:e|es|ed|ing)", r"minimi[sz](?:e|es|ed|ing)", r"get more", r"expand",
    r"accelerat(?:e|es|ed|ing)", r"drop", r"go from", r"move from", r"from \d", r"to \d+ ?%", r"by \d+ ?%",
    r"percentage", r"share of", r"rate", r"\d+ ?%", r"per cent", r"percent",
)

ACTOR = words(
    r"users?", r"customers?", r"people", r"teams?", r"students?", r"patients?", r"members?", r"buyers?",
    r"sellers?", r"drivers?", r"riders?", r"hosts?", r"guests?", r"developers?", r"engineers?", r"merchants?",
    r"shoppers?", r"readers?", r"viewers?", r"listeners?", r"learners?", r"subscribers?", r"accounts?",
    r"clients?", r"admins?", r"employees?", r"agents?", r"doctors?", r"clinicians?", r"nurses?",
    r"candidates?", r"job seekers?", r"employers?", r"recruiters?", r"travell?ers?", r"players?",
    r"visitors?", r"trialists?", r"owners?", r"tenants?", r"landlords?", r"borrowers?", r"savers?",
    r"investors?", r"families", r"parents?", r"teachers?", r"workspaces?", r"companies", r"organi[sz]ations?",
    r"signups?", r"cohorts?", r"households?", r"creators?", r"partners?", r"suppliers?", r"vendors?",
    r"couriers?", r"restaurants?", r"stores?", r"sites?", r"squads?", r"staff", r"respondents?",
    r"residents?", r"citizens?", r"taxpayers?", r"claimants?", r"policyholders?", r"passengers?",
    r"commuters?", r"managers?", r"reps?", r"physicians?", r"therapists?", r"pharmacists?", r"caregivers?",
    r"carers?", r"donors?", r"volunteers?", r"gamers?", r"athletes?", r"fans?", r"shippers?", r"carriers?",
    r"schools?", r"clinics?", r"practices", r"firms?", r"brands?", r"advertisers?", r"publishers?",
    r"authors?", r"writers?", r"analysts?", r"operators?", r"dispatchers?", r"warehouses?", r"pickers?",
    r"renters?", r"homeowners?", r"folks", r"individuals", r"persons?", r"applicants?", r"kids", r"children",
    r"teens", r"traders?",
)

BEHAVIOR = words(
    r"active", r"engag(?:e|es|ed|ing|ement)", r"complet(?:e|es|ed|ing|ion)", r"finish(?:es|ed|ing)?",
    r"return(?:s|ed|ing)?", r"come back", r"repeat", r"invit(?:e|es|ed|ing)", r"shar(?:e|es|ed|ing)",
    r"book(?:s|ed|ing)?", r"buy(?:s|ing)?", r"purchas(?:e|es|ed|ing)", r"order(?:s|ed|ing)?",
    r"pay(?:s|ing)?", r"paid", r"adopt(?:s|ed|ing)?", r"activat(?:e|es|ed|ing|ion)", r"convert(?:s|ed|ing)?",
    r"conversion", r"resolv(?:e|es|ed|ing)", r"self[- ]serve", r"find(?:s|ing)?", r"found",
    r"act(?:s|ed)? on", r"collaborat(?:e|es|ed|ing)", r"retain(?:s|ed)?", r"stay(?:s|ed)?",
    r"renew(?:s|ed|al)?", r"hired?", r"save(?:s|d)?", r"sav(?:ing|ings)", r"track(?:s|ed|ing)?",
    r"check(?:s|ed|ing)?", r"log(?:s|ged)? in", r"sign(?:s|ed)? in", r"publish(?:es|ed)?",
    r"reach(?:es|ed)? first", r"first value", r"time[- ]to[- ]\w+", r"time-to-value", r"usage",
    r"use(?:s|d)?", r"using", r"rely on", r"deploy(?:s|ed)?", r"attend(?:s|ed)?", r"submit(?:s|ted)?",
    r"reconcil(?:e|es|ed|ing)", r"schedul(?:e|es|ed|ing)", r"recommend(?:s|ed)?", r"refer(?:s|red|ral|rals)?",
    r"contact(?:s|ed)? support", r"tickets?", r"calls?", r"escalat(?:e|es|ed|ions?)",
    r"abandon(?:s|ed|ment)?", r"drop[- ]off", r"weekly", r"daily", r"monthly", r"wau", r"mau", r"dau",
    r"retention", r"answers?", r"matched", r"matches", r"reorder(?:s|ed)?", r"listen(?:s|ed)?",
    r"watch(?:es|ed)?", r"read(?:s)?", r"cook(?:s|ed)?", r"exercise", r"adhere(?:nce)?", r"taken",
    r"take(?:s)?", r"do(?:es)?", r"get(?:s)?", r"gets? (?:paid|hired|funded)", r"pass(?:es|ed)?",
    r"show(?:s|ed)? up", r"turn(?:s|ed)? up", r"clos(?:e|es|ed|ing) (?:notes|the loop|their|a deal)",
    r"arriv(?:e|es|ed)", r"recover(?:s|ed)?", r"switch(?:es|ed)?",
)

BUSINESS = words(
    r"revenue", r"arr", r"mrr", r"nrr", r"grr", r"gmv", r"churn(?:s|ed|ing)?", r"profit(?:s|ability)?",
    r"margins?", r"market share", r"sales(?! (?:managers?|reps?|teams?|people|staff|leaders?|calls?|org))",
    r"cost[- ]to[- ]serve", r"cost per \w+", r"costs?", r"ltv", r"clv", r"lifetime value", r"cac",
    r"acquisition cost", r"average (?:order|deal|basket|contract|revenue)(?: value| size)?", r"aov", r"acv",
    r"new (?:customers|logos|paying customers)", r"renewals?(?! applications?| forms?)",
    r"(?:customer|logo|revenue|net revenue|net dollar|subscriber|gross) retention", r"upsell(?:s|ing)?",
    r"expansion revenue", r"expansion", r"ebitda", r"burn", r"payback", r"pipeline", r"deal size",
    r"win rate", r"subscriptions?",
    r"(?:customer|card|average|avg|annual|monthly|total|consumer|marketing|ad|cloud) spend", r"spend per \w+",
    r"order value", r"income", r"earnings", r"valuation", r"fees?", r"take rate", r"unit economics",
    r"operating costs?", r"support costs?", r"headcount costs?", r"retention", r"financial",
    r"free[- ]to[- ]paid", r"paid conversion", r"self[- ]serve conversion", r"upgrade rate",
    r"support (?:calls|tickets|contacts|volume|costs?)", r"calls? to support",
    r"tickets? (?:per|to) (?:support|account|customer)", r"paying \w+",
    r"paid (?:accounts|seats|subscribers|users|plans?)",
    r"(?:inbound|support|customer service|call[- ]cent(?:re|er)) (?:[\w'-]+ ){0,4}contacts",
    r"contacts? (?:to|with) (?:support|us|the call centre|the call center)", r"lapse(?: rate)?", r"premiums?",
    r"gross (?:revenue|margin)", r"contracts? renewed", r"renew(?:ed|al)s? on time", r"renewal rate",
    r"contact rate", r"tickets per \d[\d,]*", r"arp\w+", r"payer conversion", r"payers",
    r"baskets?(?: size)?", r"returns", r"refunds?(?: rate)?", r"deals? signed",
)

SENTIMENT = words(
    r"nps", r"net promoter(?: score)?", r"csat", r"customer satisfaction", r"satisfaction(?: score)?",
    r"satisfied", r"ces", r"customer effort score", r"sentiment", r"happ(?:y|ier|iness)", r"delight(?:ed)?",
    r"love", r"star ratings?", r"app store ratings?", r"ratings?", r"feel(?:s)?", r"perceived", r"perception",
    r"trust", r"confidence", r"loyalty", r"brand love", r"smiles?", r"frustrat(?:ed|ion)",
    r"customer happiness", r"enps", r"survey scores?", r"likeable",
    r"(?:satisfaction|experience|sentiment|happiness|effort) (?:score|rating|index)",
    r"\w+ score in (?:our|the) [\w -]*survey", r"review score", r"how easy", r"ease score", r"score after",
    r"rated \d", r"reviews? average", r"thumbs[- ]up(?: rate)?", r"trustpilot", r"g2 (?:rating|score)",
    r"rate (?:the|their|our|us|it) [\w -]{0,40}?\d", r"overwhelm\w*", r"stressful", r"anxious",
)

VANITY = words(
    r"page ?views?", r"impressions", r"followers?", r"likes", r"visits", r"visitors", r"traffic",
    r"(?:organic|social|total|paid) reach", r"reach of", r"app store rank(?:ing)?", r"trending",
    r"reach(?:es|ed)? \d[\d.,]*\s*(?:million|m|k|thousand)?\s*(?:people|users|viewers|readers|accounts|"
    r"listeners)",
    r"on social", r"\d[\d.,]*\s*[mk]?\s+(?:plays|views|listens|streams) of", r"featured (?:by|on|in)",
    r"first page of (?:google|search)", r"rank(?:s|ing)? (?:on|for)", r"keywords", r"monthly reach",
    r"front page",
    r"\d[\d.,]*\s*(?:million|m|k|thousand)?\s+views", r"downloads? rank(?:ing)?", r"chart position",
    r"mentions",
    r"buzz", r"press coverage", r"views", r"hits", r"open rate", r"fans", r"total users", r"total sign-?ups",
    r"cumulative", r"all[- ]time", r"virality", r"social shares", r"retweets", r"reposts",
    r"subscribers? count",
    r"bounce rate", r"clicks?", r"click[- ]through", r"ctr", r"charts?", r"top \d+", r"rankings?",
    r"(?:youtube|channel|instagram|tiktok|twitter|linkedin|newsletter|podcast|social) (?:subscribers|"
    r"followers|views)",
    r"subscribers? (?:on|to) (?:our|the) (?:youtube|channel|instagram|tiktok|newsletter|podcast)",
    r"\d+k? subscribers", r"downloads? count", r"press mentions", r"share of voice", r"github stars",
    r"stars on github", r"\d+k? members",
    r"(?:discord|slack|community|forum|telegram|whatsapp) (?:server|group|channel)?", r"product hunt",
    r"#\s?1\b",
    r"number one", r"email list", r"mailing list", r"bigger audience",
)

WRONG_MOMENT = words(
    r"applications?", r"applicants?", r"apply", r"sign[- ]?ups?", r"signing up", r"registrations?",
    r"register(?:s|ed)?", r"downloads?", r"downloaded", r"installs?", r"installed",
    r"(?<!that )(?<!which )(?<!to )leads?(?! to)", r"trials? (?:started|starts)",
    r"start(?:s|ed)? (?:a|the) (?:free )?trial", r"add(?:s|ed)?[- ]to[- ]cart", r"added to (?:the )?cart",
    r"enrol?l?ments?", r"enrol?l?(?:s|ed)?", r"accounts? created", r"creat(?:e|es|ed|ing) an account",
    r"account creation", r"quotes? requested", r"request(?:s|ed)? (?:a|for) (?:quote|demo)",
    r"demo requests?",
    r"inquir(?:y|ies)", r"enquir(?:y|ies)", r"proposals? sent", r"offers? sent", r"messages? sent",
    r"swipes?",
    r"clicks? on (?:the )?(?:ad|ads|listing|listings|job|jobs)", r"book(?:ed|ings?)? (?:a )?demos?",
    r"rsvps?",
    r"opt[- ]ins?", r"wishlist", r"saved (?:jobs|items|searches)", r"first logins?", r"onboarding starts?",
    r"(?:quote|appointment|booking|demo|callback|loan|credit|viewing|tour|access|trial) requests?",
    r"requests? (?:for|to) (?:a )?(?:quote|demo|callback|viewing)", r"form starts?",
    r"started (?:forms?|applications?|checkouts?)",
    r"start(?:s|ed|ing)? (?:the|an?|their) (?:[\w-]+ ){0,3}(?:form|application|checkout|sign[- ]?up|"
    r"onboarding|registration|quiz|course)",
    r"waitlist sign[- ]?ups?", r"pre[- ]?orders?", r"free trials?", r"trial sign[- ]?ups?", r"wait ?list",
    r"shortlist(?:ed|s)?",
    r"(?:test drives?|viewings?|consultations?|demos?|classes|appointments?) (?:booked|scheduled|requested)",
    r"book(?:s|ed|ing)? (?:an? )?(?:class|test drive|viewing|demo|consultation)",
    r"start(?:s|ed|ing)? (?:filling in|to fill)", r"(?:repair|maintenance|service|callback|quote) requests?",
    r"invited to (?:an )?interviews?", r"accounts? opened", r"open(?:s|ed)? (?:an|new) accounts?",
    r"new accounts",
    r"registered (?:players|users|accounts|members|customers|patients)",
    r"reach(?:es|ed)? (?:the )?(?:checkout|cart|payment|pricing|sign[- ]?up|booking) (?:page|step|screen|"
    r"form)",
    r"(?:id |identity )?verification", r"api keys?(?: created)?", r"keys created", r"applications? started",
    r"pre[- ]?registrations?", r"onboarding (?:started|begun)", r"interviews? (?:booked|scheduled)",
)

# Things produced (by the team or by users) that can be counted without anyone getting value.
PRODUCED = words(
    r"reviews?", r"articles?", r"posts?", r"blog posts?", r"features?", r"integrations?", r"videos?",
    r"listings?", r"templates?", r"comments?", r"stories", r"releases?", r"experiments?", r"tests?",
    r"courses?", r"lessons?", r"tutorials?", r"webinars?", r"guides?", r"docs?", r"pages?", r"help articles?",
    r"faqs?", r"tickets? closed", r"tickets? resolved", r"pull requests?", r"prs", r"commits?",
    r"deploy(?:s|ments)?", r"apis?", r"endpoints?", r"dashboards?", r"reports?", r"screens?", r"components?",
    r"campaigns?", r"emails?", r"newsletters?", r"notifications?", r"messages?", r"playlists?", r"photos?",
    r"uploads?", r"questions?", r"answers?", r"recipes?", r"content pieces?", r"pieces of content",
    r"assets?", r"badges?", r"ads?", r"surveys?", r"interviews?", r"workshops?", r"trainings?",
    r"sessions? (?:run|held|delivered)", r"partnerships?", r"connectors?", r"plugins?", r"skills?", r"bots?",
    r"automations?", r"workflows?", r"models?", r"papers?", r"podcasts?", r"episodes?", r"items?",
    r"products?", r"skus", r"profiles?", r"projects?", r"initiatives?", r"tasks?", r"user stories",
    r"a/b tests?", r"landing pages?", r"case studies", r"translations?", r"languages?", r"velocity",
    r"throughput", r"story points?", r"points", r"lesson plans?", r"plans", r"job ads?", r"tours",
    r"experiences", r"gallery", r"catalogue entries", r"entries", r"quizzes", r"flashcards", r"decks?",
    r"sets?", r"clips?", r"levels", r"claims", r"services", r"notes", r"descriptions", r"drafts",
    r"care plans", r"tickets", r"cases", r"files", r"records", r"invoices",
)

PRODUCE_PARTICIPLE = words(
    r"written", r"published", r"created", r"built", r"shipped", r"posted", r"uploaded", r"submitted",
    r"added", r"launched", r"delivered", r"sent", r"produced", r"released", r"completed", r"closed", r"run",
    r"held", r"made", r"generated", r"authored", r"contributed", r"left", r"recorded", r"filed", r"merged",
    r"deployed", r"done", r"given", r"translated", r"onboarded", r"live", r"migrated", r"processed",
    r"handled", r"answered", r"scanned", r"digiti[sz]ed", r"drafted", r"written up",
)

COUNT_FRAME = re.compile(
    r"\b(?:number|count|amount|volume|total|quantity|#|no\.)\s+of\b|\b(?:more|increase|grow|double|boost|"
    r"raise|get)\b",
    re.IGNORECASE,
)

# Adoption or use of one named part of the product.
FEATURE_NOUN = words(
    r"report", r"dashboard", r"button", r"feature", r"tab", r"widget", r"tool", r"wizard", r"checklist",
    r"filter", r"filters", r"chatbot", r"bot", r"template", r"templates", r"mode", r"module", r"calculator",
    r"planner", r"editor", r"assistant", r"page", r"screen", r"menu", r"banner", r"tooltip", r"tour",
    r"walkthrough", r"panel", r"view", r"toggle", r"shortcut", r"integration", r"plugin", r"extension",
    r"workflow", r"search bar", r"search", r"recommendations?", r"carousel", r"modal", r"popup", r"pop-up",
    r"card", r"timeline", r"inbox", r"calendar", r"map", r"kanban", r"board", r"generator", r"scanner",
    r"exporter", r"export", r"importer", r"import", r"api", r"sdk", r"cli", r"playground", r"sandbox",
    r"side ?bar", r"section", r"portal", r"hub", r"library", r"gallery", r"quiz", r"leaderboard", r"link",
    r"qr code", r"video", r"tutorial", r"help center", r"faq", r"copilot",
    r"ai (?:assistant|summary|summaries|feature)", r"summary", r"summaries", r"insights", r"analytics",
    r"alerts?", r"notifications? centre", r"notifications? center", r"onboarding flow", r"checker",
    r"optimi[sz]er", r"builder", r"finder", r"tracker", r"scheduler", r"simulator", r"configurator",
    r"comparator", r"selector", r"picker", r"uploader", r"wallet", r"stories", r"reels", r"feed", r"player",
    r"viewer", r"estimator", r"composer", r"digest", r"reminders?", r"explainer", r"notebook", r"try-on",
    r"preview", r"round-ups?", r"smart replies", r"command", r"label", r"wheel", r"badge",
)
TRACTION_VERB = words(
    r"view(?:s|ed|ing)?", r"open(?:s|ed|ing)?", r"click(?:s|ed|ing)?(?: on)?", r"tap(?:s|ped|ping)?(?: on)?",
    r"us(?:e|es|ed|ing)", r"tr(?:y|ies|ied)", r"ran", r"switch(?:es|ed)? on", r"run(?:s)?", r"visit(?:s|ed)?",
    r"launch(?:es|ed)?", r"interact(?:s|ed)? with", r"engag(?:e|es|ed) with", r"adopt(?:s|ed|ion of)?",
    r"adoption(?: of)?", r"usage(?: of)?", r"activat(?:e|es|ed)", r"enabl(?:e|es|ed)", r"turn(?:s|ed)? on",
    r"download(?:s|ed)?", r"explor(?:e|es|ed)", r"see(?:s)?", r"saw", r"seen", r"watch(?:es|ed)?",
    r"play(?:s|ed)?", r"hover(?:s|ed)?",
)
FEATURE_ADOPTION = re.compile(
    r"\bfeature (?:adoption|usage|use)\b|\b(?:use|uses|usage|adoption|uptake) of (?:the|our|a|an|this) "
    r"(?:new )?(?:[\w'\u2019-]+ ){0,3}?"
    + FEATURE_NOUN.pattern,
    re.IGNORECASE,
)

# Pushes with no brake.
ENGAGEMENT_PUSH = words(
    r"maximi[sz](?:e|es|ed|ing)", r"time (?:spent|in[- ](?:the )?app|on (?:the )?(?:site|app|platform))",
    r"minutes (?:watched|spent|per day|a day)", r"hours (?:watched|spent)", r"watch time",
    r"session (?:length|duration|time)", r"screen time", r"engagement", r"daily opens", r"app opens",
    r"sessions per", r"dau", r"daily active", r"stickiness", r"at all costs", r"scroll(?:ing)? depth",
    r"notifications? sent", r"push notifications", r"streaks?", r"as much as possible",
    r"as many as possible", r"growth at any cost", r"engaged", r"keep (?:users|people|customers) (?:in|on)",
    r"addict(?:ive|ion)", r"binge", r"time in", r"usage time", r"more sessions", r"visit frequency",
    r"messages per", r"posts per", r"dms", r"wau", r"mau", r"dau/mau", r"opens", r"per session", r"episodes",
    r"watch more", r"play more", r"more time", r"time on (?:page|site)", r"avg time",
    r"average time (?:spent|on)", r"frequency", r"how often", r"minutes (?:listened|played|read)",
    r"hours (?:streamed|listened|played)", r"stream more", r"listen more", r"days per (?:month|week)",
    r"more often", r"(?:once|one time|twice|\d+ times?) (?:per|a) day", r"spend longer", r"browse longer",
    r"browsing", r"(?:minutes|hours) (?:\w+ ){0,3}(?:spend|spent|in the app|in the game)",
    r"scroll(?:s|ed)? through", r"times a day", r"come back", r"every (?:single )?day",
    r"opens? the \w+(?: \w+)? app (?:each|every|per) day",
    r"(?:daily|weekly|monthly) active [\w-]+(?! (?:who|that|which|where))",
)

# A clause that protects something; its presence answers the no_guardrail trap.
GUARD_CLAUSE = re.compile(
    r"\b(?:without|while making sure|making sure|provided|,\s*keeping|while [\w\s-]{0,40}?(?:stays?|remains?|"
    r"holds?|does not|doesn't)|while (?:keeping|maintaining|holding|protecting|not|still)|whilst|but not at "
    r"the expense of|not at the expense of|as long as|provided that|guardrails?|counter[- ]metrics?|(?:and|"
    r"while) keep(?:ing)?|with(?:out)? (?:hurting|harming|lowering|reducing|dropping)|must not (?:drop|fall|"
    r"get worse|decrease|increase)|holding .{0,40} (?:steady|flat|constant)|(?:steady|flat) or (?:better|"
    r"higher|lower)|no (?:drop|decrease|increase) in|does not (?:drop|fall|decline|get worse|increase)|do "
    r"not (?:drop|fall|decline|get worse))\b.*",
    re.IGNORECASE,
)

# The part of a mixed statement that names the bet, not the outcome.
BET_CLAUSE = re.compile(
    r"\s*,?\s*\b(?:by|through|via|thanks to|with the help of|using|with)\s+(?:(?:launching|building|shipping|"
    r"adding|releasing|creating|introducing|rolling out|redesigning|implementing|integrating|developing|"
    r"delivering|offering|publishing|running|making|a|an|the|our|new)\b).*",
    re.IGNORECASE,
)
PURPOSE_CLAUSE = re.compile(
    r"\b(?:so that|in order to|so|to help|which will|that will|to make|to (?=(?:reduce|increase|improve|grow|"
    r"cut|raise|lift|lower|boost|drive|double|halve|get|speed up|push|make|help|keep|bring|have|see|hit|"
    r"reach|win|move|turn)\b))\b\s*",
    re.IGNORECASE,
)
NEGATED = re.compile(
    r"^\s*not [\w\s-]{1,30}[:;]|\bnot (?:just|only|simply|merely)\b.*?\bbut(?: also| rather)?\b|\b(?:rather "
    r"than|instead of)\b[^,.;]*",
    re.IGNORECASE,
)
SUCCESS_LEADIN = re.compile(
    r"\b(?:success (?:means|is|looks like|would be)|we(?:'ll| will) know (?:it worked |it's working "
    r")?(?:when|if)|measured by|measure(?:d)? (?:it )?(?:as|by)|the metric is|key result|kr\d?:|target:|so "
    r"that|the number we(?:'ll| will)? (?:track|watch|measure)|we(?:'ll| will) (?:track|watch|measure)|"
    r"metric:)\b",
    re.IGNORECASE,
)
CLAUSE_SPLIT = re.compile(r"\s*(?:;|\+|&|\||\bkr\s?\d+\s*:|\s/\s|,\s*and\s+|\band also\b|\bas well as\b|"
                          r"\bplus\b|,\s*(?=[\w-]+\s))\s*", re.IGNORECASE)
SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'])|\n+")
NUMBERS = re.compile(r"\d")
METRIC_START = re.compile(
    r"^\s*(?:the\s+)?(?:percentage|percent|share|number|rate|ratio|proportion|count|fraction|average|median|"
    r"mean|time to|time-to|\d+\s*%|% of|weekly|monthly|daily|half|a third|a quarter|most|"
    r"\d[\d.,]*\s*[mk]?)\b",
    re.IGNORECASE,
)

# Symbols no word boundary can anchor.
SENTIMENT_SYMBOLS = re.compile("[\u2b50\U0001f600-\U0001f64f\u2639\u263a\u2764]")
CURRENCY = re.compile(r"(?:[$\u00a3\u20ac]\s?|\b(?:eur|usd|gbp|chf)\s?)\d[\d.,]*\s?(?:[mkb]|bn)?\b",
                      re.IGNORECASE)
THROUGHPUT = re.compile(r"\bper (?:agent|handler|engineer|developer|dev|rep|employee|head|person|analyst|"
                        r"writer|designer|team member)\b", re.I)
# How often each user does something: a push on frequency.
FREQUENCY = re.compile(
    r"\b(?:per|each|every) (?:viewer|user|player|investor|customer|member|learner|listener|reader|shopper|"
    r"person)\b.{0,40}\b(?:per|each|a|every) (?:day|week|month|session)\b|\bhow often\b|\btimes (?:a|per) "
    r"(?:day|week)\b",
    re.IGNORECASE,
)
