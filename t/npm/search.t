# npm search against the registry (GET /-/v1/search), with the real npm
# (and pnpm, which runs npm's): packages published by npm with keywords and
# descriptions, a scoped one, a prerelease-only one, a deprecated one and
# a restricted one; then what npm prints and what the endpoint answers:
# versions, dates, maintainers, the qualifiers, true totals and pages,
# restricted packages for their readers alone, the per-package read rules,
# and every write that changes a hit (deprecate, dist-tag latest, owner,
# access) seen by the very next search.  Bad input: 400 that says why.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use JSON::PP ();
use File::Path qw(mkpath);
use TsciTest qw(admin_cmd base_url req json_of adduser publish unique t_var npm_env
                npm_token_env run_npm write_file client_bin client_env
                run_client data_dir);

Apache::Test::plan(tests => 122, have_lwp);

my $json = JSON::PP->new->canonical;
my $base = base_url('/npm/');
# One word no other run has: every package of this run carries it, so
# the suite's other packages (and earlier runs against this store) never
# show among the hits.
my $w = 'zq' . $$ . time;
my $owner = unique('srch');
my $other = unique('srchx');
my $otok = adduser($base, $owner, 'search-pass-1');
my $xtok = adduser($base, $other, 'search-pass-2');

my %name = (
    alpha  => "$w-alpha",
    beta   => "$w-beta",
    scoped => "\@$owner/$w-scoped",
    pre    => "$w-pre",
    old    => "$w-old",
    secret => "\@$owner/$w-secret",
    other  => "$w-other",
);
my $npm_ok = system('npm --version >/dev/null 2>&1') == 0;
die "npm is needed for t/npm/search.t\n" unless $npm_ok;
my $oenv = npm_token_env('search-owner', $base, $otok);
my $xenv = npm_token_env('search-other', $base, $xtok);
my $aenv = npm_env('search-anon');

# npm publish of a directory made from %pj, as $env's user.
sub npm_publish {
    my ($env, $pj, @args) = @_;
    (my $dir = t_var() . "/search-pkgs/$pj->{name}") =~ s{\@}{}g;
    mkpath($dir);
    write_file("$dir/package.json", $json->encode($pj));
    write_file("$dir/index.js", "module.exports = 1;\n");
    write_file("$dir/README.md", "# $pj->{name}\n\nSee the description.\n");
    my ($rc, $out) = run_npm($env, $dir, 'publish', "--registry=$base", @args);
    is $rc, 0, "npm publish $pj->{name}\@$pj->{version}" or diag $out;
}

npm_publish($oenv, { name => $name{alpha}, version => '1.2.0',
    description => "Alpha widget of $w", keywords => [$w, 'widget', 'alpha'],
    author => 'Ann Author <ann@example.com>', license => 'MIT',
    repository => { type => 'git', url => 'git+https://git.example/a/alpha.git' } });
npm_publish($oenv, { name => $name{beta}, version => '2.0.0',
    description => 'Beta gadget', keywords => [$w, 'widget'] });
npm_publish($oenv, { name => $name{scoped}, version => '1.0.0',
    description => 'Scoped helper', keywords => [$w, 'scoped'] },
    '--access', 'public');
npm_publish($oenv, { name => $name{pre}, version => '1.0.0-rc.1',
    description => 'Not yet', keywords => [$w] }, '--tag', 'next');
npm_publish($oenv, { name => $name{old}, version => '1.0.0',
    description => 'Old thing', keywords => [$w] });
npm_publish($oenv, { name => $name{secret}, version => '1.0.0',
    description => "Hidden thing $w", keywords => [$w] },
    '--access', 'restricted');
npm_publish($xenv, { name => $name{other}, version => '3.0.0',
    description => 'Another widget', keywords => [$w, 'widget'] });

# ---- helpers ----

sub esc {
    my $s = shift;
    $s =~ s/([^A-Za-z0-9._~-])/sprintf '%%%02X', ord $1/ge;
    return $s;
}

# The answer of GET /-/v1/search?<query> (text escaped here).
sub search {
    my ($text, $query, $token) = @_;
    my $url = "${base}-/v1/search?text=" . esc($text) . ($query // '');
    return req(GET => $url, token => $token);
}

# Sorted names of an answer's hits, and its total.
sub names_of {
    my $d = json_of(shift) || {};
    return (join(' ', sort map { $_->{package}{name} } @{ $d->{objects} || [] }),
            $d->{total});
}

sub want {
    return join ' ', sort map { $name{$_} } @_;
}

# npm search --json as $env's user: the package objects npm prints.
sub npm_search {
    my ($env, @args) = @_;
    my ($rc, $out) = run_npm($env, t_var(), 'search', '--json',
                             "--registry=$base", '--prefer-online', @args);
    my $list = eval { $json->decode($out) };
    return ($rc, $list, $out);
}

sub npm_names {
    my ($env, @args) = @_;
    my ($rc, $list, $out) = npm_search($env, @args);
    diag $out if $rc != 0 || ref $list ne 'ARRAY';
    return join ' ', sort map { $_->{name} } @{ ref $list eq 'ARRAY' ? $list : [] };
}

my @public = qw(alpha beta scoped pre old other);

# ---- npm search --json: what npm reads of each hit ----
my ($rc, $list, $out) = npm_search($aenv, $w);
is $rc, 0, "npm search --json $w" or diag $out;
is join(' ', sort map { $_->{name} } @$list), want(@public),
   'every public package of the run, and not the restricted one';
my %hit = map { $_->{name} => $_ } @$list;
my $ah = $hit{$name{alpha}} || {};
is $ah->{version}, '1.2.0', 'version: the latest';
is $hit{$name{pre}}{version}, '1.0.0-rc.1', 'a prerelease-only package: its prerelease';
like $ah->{date}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'date: an ISO time';
my ($y, $m, $d) = (gmtime)[5, 4, 3];
my $today = sprintf '%04d-%02d-%02d', $y + 1900, $m + 1, $d;
is substr($ah->{date} // '', 0, 10), $today, 'published today';
is_deeply [map { $_->{username} } @{ $ah->{maintainers} || [] }], [$owner],
   'maintainers: an array of usernames';
is $ah->{publisher}{username}, $owner, 'publisher';
is_deeply $ah->{keywords}, [$w, 'widget', 'alpha'], 'keywords';
is $ah->{description}, "Alpha widget of $w", 'description';
is $ah->{author}{name}, 'Ann Author', 'author, from "Name <email>"';
is $ah->{links}{repository}, 'https://git.example/a/alpha', 'links.repository';
is $hit{$name{scoped}}{scope}, $owner, 'scope of a scoped package';
is $hit{$name{other}}{maintainers}[0]{username}, $other,
   "another user's package: its maintainer";

# ---- npm search, as people read it ----
($rc, $out) = run_npm($aenv, t_var(), 'search', "--registry=$base",
                      '--prefer-online', '--color=false', $w, 'gadget');
is $rc, 0, 'npm search <word> <word>' or diag $out;
like $out, qr/^\Q$name{beta}\E\nBeta gadget\nVersion 2\.0\.0 published \Q$today\E by \Q$owner\E\nMaintainers: \Q$owner\E\nKeywords: \Q$w\E widget\n/m,
     'name, description, version, date, publisher, maintainers, keywords';
unlike $out, qr/undefined|prehistoric|\Q$name{alpha}\E/,
       'nothing missing, and only what has both words';
($rc, $out) = run_npm($aenv, t_var(), 'search', "--registry=$base",
                      '--prefer-online', "${w}nothing");
like $out, qr/No matches found for "\Q${w}nothing\E"/, 'no hits: npm says so';

# ---- qualifiers, through npm ----
is npm_names($aenv, "keywords:$w", "author:$other"), want('other'),
   'author: the user who published';
is npm_names($aenv, "keywords:$w", 'author:ann'), want('alpha'),
   "author: a word of package.json's author";
is npm_names($aenv, "keywords:$w", "maintainer:$other"), want('other'),
   'maintainer:';
is npm_names($aenv, "scope:$owner", $w), want('scoped'),
   'scope: (the restricted one is still hidden)';
is npm_names($aenv, "keywords:$w,-widget"), want(qw(scoped pre old)),
   'keywords: with ,- (NOT)';
is npm_names($aenv, "keywords:widget+alpha", $w), want('alpha'),
   'keywords: with + (AND)';
is npm_names($aenv, "keywords:scoped,alpha", $w), want(qw(scoped alpha)),
   'keywords: with , (OR)';
is npm_names($aenv, "keywords:$w", 'not:unstable'),
   want(qw(alpha beta scoped old other)), 'not:unstable leaves out the prerelease';
is npm_names($aenv, "keywords:$w", 'is:unstable'), want('pre'), 'is:unstable';
is npm_names($aenv, "keywords:$w", 'is:insecure'), '', 'is:insecure: nothing is';
is npm_names($aenv, "keywords:$w", 'not:insecure'), want(@public),
   'not:insecure: everything';
is npm_names($aenv, "$w-alph"), want('alpha'), 'the last word as a prefix';
{
    my ($rc2, $l2) = npm_search($aenv, '--searchlimit=2', "keywords:$w");
    is scalar(@{ $l2 || [] }), 2, 'npm search --searchlimit=2: two hits';
}

# ---- the endpoint: totals, pages, scores ----
my $res = search("keywords:$w", '&size=2');
is $res->code, 200, 'GET /-/v1/search: 200';
is $res->header('Content-Type'), 'application/json', 'JSON';
like $res->header('Cache-Control') // '', qr/private/, 'private: hits depend on the asker';
my $body = json_of($res);
is $body->{total}, 6, 'total: every hit, not the page';
is scalar @{ $body->{objects} }, 2, 'size=2: two objects';
like $body->{time} // '', qr/^\d{4}-\d\d-\d\dT/, 'time';
my $o = $body->{objects}[0];
ok defined $o->{score}{final} && defined $o->{score}{detail}{quality}
   && defined $o->{score}{detail}{popularity}
   && defined $o->{score}{detail}{maintenance} && defined $o->{searchScore},
   'score.final, score.detail and searchScore';
my @seen;
for my $from (0, 2, 4) {
    my ($n, $total) = names_of(search("keywords:$w", "&size=2&from=$from"));
    is $total, 6, "from=$from: total 6";
    push @seen, split ' ', $n;
}
is join(' ', sort @seen), want(@public), 'the pages, together: every hit once';
is_deeply [names_of(search("keywords:$w", '&from=6'))], ['', 6],
   'from past the end: no objects, total still 6';
# Order: the same query, asked twice, the same order; sorted by searchScore.
my @scores = map { $_->{searchScore} } @{ json_of(search("keywords:$w"))->{objects} };
is_deeply \@scores, [sort { $b <=> $a } @scores], 'hits ordered by searchScore';
# An exact name comes first, unless boost-exact:false.
$o = json_of(search("$w-beta"))->{objects}[0];
ok $o && $o->{package}{name} eq $name{beta} && $o->{searchScore} > 100000,
   'the exact name: first, boosted';
$o = json_of(search("$w-beta boost-exact:false"))->{objects}[0];
ok $o && $o->{searchScore} < 1, 'boost-exact:false: not boosted';
# Weights: quality alone orders by quality.
my $q = json_of(search("keywords:$w", '&quality=1&popularity=0&maintenance=0'));
my @qs = map { $_->{score}{detail}{quality} } @{ $q->{objects} };
is_deeply \@qs, [sort { $b <=> $a } @qs], 'quality=1 alone: by quality';
is $q->{objects}[0]{package}{name}, $name{alpha},
   'the one with keywords, description, readme, license and repository first';

# ---- restricted: its readers alone ----
is_deeply [names_of(search($w))], [want(@public), 6], 'anonymous: 6, no secret';
is_deeply [names_of(search('hidden'))], ['', 0],
   'its own words find nothing for others, not even a count';
is_deeply [names_of(search($w, '', $xtok))], [want(@public), 6],
   'another user: the same';
is_deeply [names_of(search($w, '', $otok))], [want(@public, 'secret'), 7],
   'its maintainer: 7';
is npm_names($oenv, $w), want(@public, 'secret'), 'npm search as the maintainer shows it';
is npm_names($xenv, $w), want(@public), 'npm search as another user does not';
is_deeply [names_of(search("scope:$owner"))], [want('scoped'), 1],
   'scope: anonymous, without it';

# ---- every write that changes a hit, seen at once ----
($rc, $out) = run_npm($oenv, t_var(), 'deprecate', $name{old}, 'use alpha',
                      "--registry=$base");
is $rc, 0, 'npm deprecate' or diag $out;
is npm_names($aenv, "keywords:$w", 'is:deprecated'), want('old'),
   'is:deprecated: the package just deprecated';
is npm_names($aenv, "keywords:$w", 'not:deprecated'),
   want(qw(alpha beta scoped pre other)), 'not:deprecated leaves it out';
$o = (grep { $_->{package}{name} eq $name{old} }
      @{ json_of(search("keywords:$w"))->{objects} })[0];
is $o->{flags}{deprecated}, 'use alpha', 'flags.deprecated: the message';
is $o->{score}{detail}{maintenance}, 0, 'and no maintenance score';

npm_publish($oenv, { name => $name{beta}, version => '2.1.0-beta.0',
    description => 'Beta gadget, next', keywords => [$w, 'widget'] },
    '--tag', 'next');
is npm_names($aenv, "keywords:$w", 'is:unstable'), want('pre'),
   'a prerelease under next: latest is still 2.0.0';
($rc, $out) = run_npm($oenv, t_var(), 'dist-tag', 'add',
                      "$name{beta}\@2.1.0-beta.0", 'latest', "--registry=$base");
is $rc, 0, 'npm dist-tag add <beta>@2.1.0-beta.0 latest' or diag $out;
is npm_names($aenv, "keywords:$w", 'is:unstable'), want(qw(pre beta)),
   'latest moved to the prerelease: unstable now';
is((grep { $_->{name} eq $name{beta} } @{ (npm_search($aenv, $w))[1] || [] })[0]{version},
   '2.1.0-beta.0', 'and shown at that version');

($rc, $out) = run_npm($oenv, t_var(), 'owner', 'add', $other, $name{scoped},
                      "--registry=$base");
is $rc, 0, 'npm owner add' or diag $out;
is npm_names($aenv, "keywords:$w", "maintainer:$other"), want(qw(other scoped)),
   'maintainer: the new owner';

($rc, $out) = run_npm($oenv, t_var(), 'access', 'set', 'status=public',
                      $name{secret}, "--registry=$base");
is $rc, 0, 'npm access set status=public' or diag $out;
is_deeply [names_of(search($w))], [want(@public, 'secret'), 7],
   'made public: everyone finds it';
($rc, $out) = run_npm($oenv, t_var(), 'access', 'set', 'status=private',
                      $name{secret}, "--registry=$base");
is $rc, 0, 'npm access set status=private' or diag $out;
is_deeply [names_of(search($w))], [want(@public), 6], 'restricted again: gone';

# Unpublish: of the latest version, latest goes back (and its words with
# it); of the whole package, it leaves the index.
($rc, $out) = run_npm($oenv, t_var(), 'unpublish', "$name{beta}\@2.1.0-beta.0",
                      "--registry=$base");
is $rc, 0, 'npm unpublish <beta>@2.1.0-beta.0 (latest)' or diag $out;
is((grep { $_->{name} eq $name{beta} } @{ (npm_search($aenv, $w))[1] || [] })[0]{version},
   '2.0.0', 'shown at 2.0.0 again');
is npm_names($aenv, "keywords:$w", 'is:unstable'), want('pre'),
   'and stable again';
is_deeply [names_of(search("keywords:$w next"))], ['', 0],
   "the unpublished version's words find nothing";
($rc, $out) = run_npm($oenv, t_var(), 'unpublish', $name{old}, '--force',
                      "--registry=$base");
is $rc, 0, 'npm unpublish <old> --force' or diag $out;
is_deeply [names_of(search("keywords:$w"))],
   [want(grep { $_ ne 'old' } @public), 5], 'the whole package: gone, total 5';
is_deeply [names_of(search("$w-old"))], ['', 0], 'not even by its name';
@public = grep { $_ ne 'old' } @public;

# Stars are popularity.
$o = (grep { $_->{package}{name} eq $name{alpha} }
      @{ json_of(search("keywords:$w"))->{objects} })[0];
is $o->{score}{detail}{popularity}, 0, 'no stars: popularity 0';
($rc, $out) = run_npm($xenv, t_var(), 'star', $name{alpha}, "--registry=$base");
is $rc, 0, 'npm star' or diag $out;
$o = (grep { $_->{package}{name} eq $name{alpha} }
      @{ json_of(search("keywords:$w"))->{objects} })[0];
ok $o->{score}{detail}{popularity} > 0.09 && $o->{score}{detail}{popularity} < 0.091,
   'one star: popularity 1/11' or diag $o->{score}{detail}{popularity};

# ---- per-package read rules (/rules/: internal-* read by teamwriter) ----
my $rules = base_url('/rules/');
my $wtok = adduser($rules, 'teamwriter', 'team-pass-1');
my $internal = "internal-$w";
is publish($rules, $wtok, name => $internal, version => '1.0.0',
           extra => { keywords => ["${w}r"] })->code, 201,
   'teamwriter publishes internal-*';
my $rurl = "${rules}-/v1/search?text=keywords%3A${w}r";
is_deeply [names_of(req(GET => $rurl))], ['', 0],
   'its read rule hides it from an anonymous search';
is_deeply [names_of(req(GET => $rurl, token => $xtok))], ['', 0],
   'and from another user';
is_deeply [names_of(req(GET => $rurl, token => $wtok))], [$internal, 1],
   'teamwriter finds it';
is_deeply [names_of(req(GET => "${base}-/v1/search?text=keywords%3A${w}r"))],
   [$internal, 1], 'rules belong to their Location: /npm/ has none';

# ---- pnpm search runs npm's ----
SKIP: {
    my $pnpm = client_bin('pnpm');
    skip 'pnpm is not installed under clients/', 2 unless $pnpm;
    my $env = client_env('pnpm-search');
    write_file("$env->{home}/.npmrc", "update-notifier=false\n");
    my ($prc, $pout) = run_client($env, $pnpm, 'search', '--json',
                                  "--registry=$base", "keywords:$w",
                                  'not:unstable');
    is $prc, 0, 'pnpm search' or diag $pout;
    my $pl = eval { $json->decode($pout) } || [];
    is join(' ', sort map { $_->{name} } @$pl),
       want(qw(alpha beta scoped other)), 'pnpm search: the same hits';
}

# ---- the admin tool builds the index again, while Apache runs ----
my $admin = Apache::Test::vars('top_dir')
    . '/mod_tsci_registry/tsci-registry';
my $aout = `@{[admin_cmd()]} reindex search 2>&1`;
is $?, 0, 'tsci-registry -d DATADIR reindex search' or diag $aout;
my ($count) = $aout =~ /^reindex: search: (\d+) packages$/m;
cmp_ok $count // 0, '>=', 7, 'it says how many packages it went over'
    or diag $aout;
is_deeply [names_of(search("keywords:$w"))], [want(@public), 5],
   'the same hits after';
is_deeply [names_of(search("keywords:$w", '', $otok))],
   [want(@public, 'secret'), 6],
   'the restricted one still for its maintainer alone';
$aout = `\Q$admin\E \Q@{[data_dir()]}\E search 2>&1`;
is $? >> 8, 2, 'search without reindex: usage' or diag $aout;

# ---- bad input: 400 with a reason ----
sub refused {
    my ($query, $reason, $label) = @_;
    my $r = req(GET => "${base}-/v1/search?$query");
    my $e = json_of($r) || {};
    ok $r->code == 400 && ($e->{reason} // $e->{error} // '') =~ $reason,
       "$label: 400" or diag $r->code . ' ' . $r->content;
}
refused("text=$w&size=0", qr/size must be a whole number from 1 to 250/, 'size=0');
refused("text=$w&size=999", qr/from 1 to 250/, 'size=999');
refused("text=$w&size=251", qr/from 1 to 250/, 'size=251');
refused("text=$w&size=abc", qr/from 1 to 250/, 'size=abc');
refused("text=$w&from=-1", qr/from must be a whole number from 0 to 100000/, 'from=-1');
refused("text=$w&from=100001", qr/from 0 to 100000/, 'from=100001');
refused("text=$w&quality=2", qr/quality must be a number from 0 to 1/, 'quality=2');
refused('size=5', qr/text is required/, 'no text');
refused('text=', qr/needs a word/, 'empty text');
refused('text=not%3Aunstable', qr/needs a word/, 'only a NOT');
refused('text=is%3Asoon', qr/is: takes unstable, deprecated or insecure/, 'is:soon');
refused('text=%C3%28', qr/not valid UTF-8/, 'invalid UTF-8');
refused('text=a%00b', qr/NUL/, 'a NUL byte');
refused('text=%ZZ', qr/hex digits/, 'a bad escape');
refused('text=' . ('a' x 1025), qr/longer than 1024 bytes/, 'text of 1025 bytes');
refused('text=' . ('a' x 5000), qr/longer than/, 'text of 5 KB');
refused('text=' . join('+', ('a') x 17), qr/more than 16/, '17 words');
refused("text=$w&x=" . ('b' x 4100), qr/longer than 4096 bytes/,
        'a query string over 4096 bytes');
# The limits themselves pass.
is search($w, '&size=250&from=100000')->code, 200, 'size=250, from=100000: 200';
is search('a' x 1024)->code, 200, 'text of 1024 bytes: 200';
is search(join ' ', ('a') x 16)->code, 200, '16 words: 200';
# 10 KB of text is over Apache's own LimitRequestLine (8190): Apache
# answers before the registry sees it.
is req(GET => "${base}-/v1/search?text=" . ('a' x 10240))->code, 414,
   'text of 10 KB: 414 from Apache';
