# A store restored from a hot backup (databases and logs, no shared
# regions) and picked up with a graceful restart serves at once: the
# parent finds databases without regions, which no process can have
# joined, and recovers them.  Before, every child failed to open it and
# every request got 503 until a full stop and start.  This file starts
# an Apache of its own (TsciTest::spare_port 3) and always stops it.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use File::Path qw(rmtree mkpath);
use TsciTest qw(bdb_only json_of publish_body adduser unique own_apache req);

my $hotbackup = (grep { -x } map { "$_/db5.3_hotbackup" } split /:/,
                 "$ENV{PATH}:/usr/bin")[0];
Apache::Test::plan(skip_all => 'db5.3_hotbackup (db5.3-util) is not installed')
    unless $hotbackup;
Apache::Test::plan(tests => 15, Apache::Test::need(have_lwp,
    bdb_only("a hot backup of Berkeley DB's files, then a restart")));

my $port = TsciTest::spare_port(3);
my $ap = own_apache(name => 'restore', port => $port);
ok $ap->{up}, 'an Apache with a registry';
my $base = $ap->{base};
my $data = $ap->{datadir};
my $tok = adduser($base, unique('rest'), 'rest-pass-1');
my $pkg = unique('restored');
my $pub = sub {
    req(PUT => "$base$pkg", token => $tok,
        body => publish_body(name => $pkg, version => $_[0]))->code;
};
is $pub->('1.0.0'), 201, 'published 1.0.0';

# A hot backup while Apache serves: the databases and logs first, then
# the tarballs they name.
my $bk = "$ap->{dir}/backup";
rmtree($bk);
mkpath("$bk/db");
my $out = `$hotbackup -h $data/db -b $bk/db 2>&1`;
is $?, 0, 'db_hotbackup of the running store' or diag $out;
system('cp', '-a', "$data/tarballs", "$bk/tarballs") == 0
    or die "copy tarballs: $!";
mkpath("$bk/tmp");
ok !glob("$bk/db/__db.*"), 'the backup has no shared regions';
is $pub->('2.0.0'), 201, 'published 2.0.0 after the backup';

# Restore: the backup takes the data directory's place, then a graceful
# restart, as an administrator would do it.
rename $data, "$data.old" or die "rename: $!";
rename $bk, $data or die "rename: $!";
my $httpd = Apache::Test::config()->{vars}{httpd};
system($httpd, '-f', "$ap->{dir}/httpd.conf", '-k', 'graceful') == 0
    or die "graceful: $?";
my ($code, $doc);
for (1 .. 100) {
    my $res = req(GET => "$base$pkg");
    $code = $res->code;
    $doc = json_of($res) if $code == 200;
    last if $code == 200 && $doc && !$doc->{versions}{'2.0.0'};
    select undef, undef, undef, 0.1;
}
is $code, 200, 'after the graceful the restored store serves';
is_deeply [sort keys %{ $doc->{versions} || {} }], ['1.0.0'],
   'with what the backup held';
is req(GET => "$base$pkg/-/$pkg-1.0.0.tgz")->code, 200,
   'its tarball is served';
is $pub->('3.0.0'), 201, 'and it takes a publish';
ok grep({ /TSR00107/ } do { open my $l, '<', $ap->{errlog}; <$l> }),
   'the log says the restored store was recovered';

system($httpd, '-f', "$ap->{dir}/httpd.conf", '-k', 'graceful') == 0
    or die "graceful: $?";
select undef, undef, undef, 1;
my $again = json_of(req(GET => "$base$pkg"));
is_deeply [sort keys %{ $again->{versions} || {} }], ['1.0.0', '3.0.0'],
   'another graceful keeps serving it, nothing lost';
ok !grep({ /TSR00004|TSR00101/ } do { open my $l, '<', $ap->{errlog}; <$l> }),
   'no child ever failed to open the store';

# A graceful restart onto another data directory follows the config.
my $conf = "$ap->{dir}/httpd.conf";
my $text = do { local (@ARGV, $/) = $conf; <> };
$text =~ s{^TsciRegistryDataDir .*$}{TsciRegistryDataDir $ap->{dir}/moved}m;
open my $cf, '>', $conf or die $!;
print $cf $text;
close $cf;
system($httpd, '-f', $conf, '-k', 'graceful') == 0 or die "graceful: $?";
my $gone;
for (1 .. 100) {
    $gone = req(GET => "$base$pkg")->code;
    last if $gone == 404;
    select undef, undef, undef, 0.1;
}
is $gone, 404, 'a graceful onto a new data directory serves that one';
$tok = adduser($base, unique('moved'), 'moved-pass-1');
is $pub->('1.0.0'), 201, 'which takes users and publishes';
ok -d "$ap->{dir}/moved/db", 'in the new directory';
$ap->{stop}->();
