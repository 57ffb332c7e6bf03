# tscircuit's registry API on the SQL store (TsciRegistryStore dbd): two
# Apaches share one private PostgreSQL and one data directory, as two
# nodes behind a balancer.  tsci push's request sequence (spec 7.3, as
# t/api/tsci_push.t replays it) goes to node A; node B lists and reads
# what it pushed, refuses the pushed version a second time, and the real
# npm client installs the release from B with the files byte for byte.
# tsci login's page is made on one node, signed in on the other, and
# exchanged for a session both nodes know.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use File::Path qw(mkpath rmtree);
use IO::Compress::Gzip qw(gzip $GzipError);
use MIME::Base64 qw(encode_base64);
use JSON::PP ();
use TsciTest qw(main_store_independent req json_of adduser unique npm_token_env run_npm t_var
                write_file slurp own_apache spare_port web_form);
use TsciPG;

my $pg = TsciPG::needed();
my $have_npm = system('npm --version >/dev/null 2>&1') == 0;
Apache::Test::plan(tests => 27, Apache::Test::need(have_lwp,
    main_store_independent("two nodes on a cluster of its own"), $pg,
    $have_npm || Apache::Test::skip_reason('npm is not installed')));

my ($a, $b, $conn) = TsciPG::two_nodes(
    tag => 'dbd-tsci', ports => [2, 3], conf => <<'EOC');
<Location /api/>
    TsciRegistry tsci
</Location>
EOC

ok $a->{up} && $b->{up}, 'both nodes answer'
    or diag "$a->{start_out}\n$b->{start_out}\n"
            . `tail -20 \Q$a->{errlog}\E \Q$b->{errlog}\E`;
(my $apia = $a->{base}) =~ s{/npm/$}{/api/};
(my $apib = $b->{base}) =~ s{/npm/$}{/api/};
my $npmb = $b->{base};

my $user = unique('pgtsci');
my $token = adduser($a->{base}, $user, 'pg-tsci-pass-1');
my $name = "$user/led-board";
my $npm_name = "\@tsci/$user.led-board";

sub call {
    my ($api, $route, $params) = @_;
    my $res = req(POST => "$api$route", token => $token,
                  body => $params // {});
    return ($res, json_of($res));
}

my $png = join '', map { chr } (0x89, 0x50, 0x4e, 0x47, 0, 0, 0xff, 0xfe,
                                0x0d, 0x0a, 0x1a, 0x0a, 0x80, 0);
my $tsx = "export default () => <board width=\"10mm\" />\n";
my $json = JSON::PP->new->utf8->canonical->encode({ files => [
    { file_path => 'assets/logo.png',
      content_base64 => encode_base64($png, '') },
    { file_path => 'index.tsx', content_text => $tsx },
] });
my $gz;
gzip(\$json => \$gz, -Level => 9) or die $GzipError;
my $archive = encode_base64($gz, '');

# tsci push, on A: list, get (404), create, probe the version, create
# the release, upload the archive, mark it ready.
my ($res, $d) = call($apia, 'package_releases/list', { package_name => $name });
is $res->code, 200, 'push 1: releases list on A';
($res) = call($apia, 'packages/get', { name => $name });
is $res->code, 404, 'push 2: a new package is 404';
($res, $d) = call($apia, 'packages/create',
                  { name => $name, is_private => JSON::PP::false });
is $res->code, 200, 'push 3: package created on A' or diag $res->content;
($res, $d) = call($apia, 'package_releases/get',
                  { package_name_with_version => "$name\@1.0.0" });
is $d->{error}{error_code}, 'package_release_not_found', 'push 4: 1.0.0 is free';
($res, $d) = call($apia, 'package_releases/create',
                  { package_name_with_version => "$name\@1.0.0" });
is $res->code, 200, 'push 5: release created' or diag $res->content;
($res, $d) = call($apia, 'package_files/upload_archive',
                  { package_name_with_version => "$name\@1.0.0",
                    archive_base64 => $archive });
is $res->code, 200, 'push 6: archive uploaded' or diag $res->content;
is scalar @{ $d->{package_files} || [] }, 2, 'two files written';
($res, $d) = call($apia, 'package_releases/update',
                  { package_name_with_version => "$name\@1.0.0",
                    ready_to_build => JSON::PP::true, license => 'MIT' });
is $res->code, 200, 'push 8: ready to build';

# B reads what A wrote, from the same table.
($res, $d) = call($apib, 'packages/get', { name => $name });
is $res->code, 200, 'B: packages/get';
is $d->{package}{latest_version}, '1.0.0', 'B: latest is the pushed release';
is $d->{package}{license}, 'MIT', 'B: the license the update set';
($res, $d) = call($apib, 'package_files/get',
                  { package_name => $name, use_latest_version => 'true',
                    file_path => 'index.tsx' });
is $d->{package_file}{content_text}, $tsx, 'B: a file as pushed';
($res, $d) = call($apib, 'packages/create',
                  { name => $name, is_private => JSON::PP::false });
is $d->{error}{error_code}, 'package_already_exists',
   'B: creating the same package again is refused' or diag $res->content;
($res, $d) = call($apib, 'package_releases/create',
                  { package_name_with_version => "$name\@1.0.0" });
isnt $res->code, 200, 'B: the same release a second time is refused';
is TsciPG::psql($conn, 'SELECT count(*) > 0 FROM tsr_tsci'), 't',
   "the records are rows of PostgreSQL's table";

# tsci login across nodes: the login page made on B, signed in on A's
# copy of it, seen by a poll on A, exchanged on B for a session whose
# token A takes.
my $lres = req(POST => "${apib}sessions/login_page/create", body => {});
my $page = (json_of($lres) || {})->{login_page} || {};
is $lres->code, 200, 'B: a tsci login page' or diag $lres->content;
(my $url_a = $page->{url} // '') =~ s{^(https?://[^/]+:)$b->{port}/}{$1$a->{port}/};
isnt $url_a, $page->{url}, "the page's address on A";
is web_form($url_a, { user => $user, password => 'pg-tsci-pass-1' })->code,
   200, "signed in on A's page";
my $seen = json_of(req(POST => "${apia}sessions/login_page/get",
                       body => { login_page_id => $page->{login_page_id} },
                       token => $page->{login_page_auth_token}));
ok $seen && $seen->{login_page}{was_login_successful}, 'A: the poll sees it';
$lres = req(POST => "${apib}sessions/login_page/exchange_for_cli_session",
            body => { login_page_id => $page->{login_page_id} },
            token => $page->{login_page_auth_token});
my $session = (json_of($lres) || {})->{session}{token};
is $lres->code, 200, 'B: exchanged for a CLI session' or diag $lres->content;
is json_of(req(GET => "$a->{base}-/whoami", token => $session // ''))->{username},
   $user, "A knows the session's token";

# npm installs the release from B, as spec 7.4's .npmrc says.
my $env = npm_token_env('dbd-tsci', $npmb, $token);
my $dir = "$env->{home}/project";
mkpath($dir);
write_file("$dir/package.json", qq({"name":"app","version":"1.0.0","private":true}\n));
write_file("$dir/.npmrc", "\@tsci:registry=$npmb\n");
my ($rc, $out) = run_npm($env, $dir, 'install', "$npm_name\@1.0.0");
is $rc, 0, 'npm install from B of what was pushed to A' or diag $out;
my $inst = "$dir/node_modules/\@tsci/$user.led-board";
is slurp("$inst/index.tsx"), $tsx, 'the text file on disk as pushed';
ok slurp("$inst/assets/logo.png") eq $png, 'the binary file byte for byte';
my $pj = JSON::PP->new->decode(slurp("$inst/package.json") // '{}');
is $pj->{name}, $npm_name, 'package.json: the npm name';

my $log = `cat \Q$a->{errlog}\E \Q$b->{errlog}\E`;
unlike $log, qr/exit signal|Segmentation/, 'no child died on either node';
